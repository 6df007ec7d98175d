package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/credex/credex/internal/devoidc"
)

func token(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("token", "token [flags]\n\nPrints an ID token for a synthetic person from the test identity provider of a\ncredex dev hub, for the endpoints that act for a person (objections, repair\napplications, authorisations, the access log) as Authorization: Bearer <token>.\nA hub run by serve issues no tokens: people sign in at its identity provider.")
	url := fs.String("url", "http://127.0.0.1:8080", "`url` of the credex dev hub (CREDEX_URL)")
	name := fs.String("name", "", "the person's `name`, as on the ID card")
	idNumber := fs.String("id-number", "", "the person's citizen ID `number` (a synthetic one)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *name == "" || *idNumber == "" {
		fs.Usage()
		return errUsage
	}
	body, _ := json.Marshal(map[string]string{"name": *name, "id_number": *idNumber})
	endpoint := strings.TrimSuffix(*url, "/") + devoidc.Path + "/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var answer struct {
		IDToken string `json:"id_token"`
		Message string `json:"message"`
	}
	err = json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&answer)
	switch {
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed:
		return fmt.Errorf("%s has no test identity provider: only credex dev issues tokens", *url)
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("%s: %s", res.Status, answer.Message)
	case err != nil || answer.IDToken == "":
		return errors.New("the hub answered no token")
	}
	fmt.Fprintln(out, answer.IDToken)
	return nil
}
