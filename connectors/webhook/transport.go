package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/credex/credex/delivery"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
)

// Transport delivers an event as one signed POST (Standard Webhooks) to the
// subscription's URL.
type Transport struct {
	// Client sends the requests; use Guard.Client so that private
	// addresses stay out of reach and timeouts hold.
	Client *http.Client
}

var _ delivery.Transport = (*Transport)(nil)

// Mode is "webhook".
func (*Transport) Mode() string { return "webhook" }

// Deliver posts e, signed with every secret of sub.
func (t *Transport) Deliver(ctx context.Context, sub *store.Subscription, e subscription.Event) (delivery.Outcome, int, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return delivery.Outcome{}, 0, fmt.Errorf("encode event: %w", err)
	}
	secrets := make([]Secret, 0, len(sub.Secrets))
	for _, s := range sub.Secrets {
		secret, err := ParseSecret(s)
		if err != nil {
			return delivery.Outcome{}, 0, fmt.Errorf("signing secret: %w", err)
		}
		secrets = append(secrets, secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return delivery.Outcome{}, 0, fmt.Errorf("request: %w", err)
	}
	now := time.Now()
	req.Header = Headers(secrets, e.ID, now, body)
	req.Header.Set("User-Agent", "credex-webhooks/1")
	res, err := t.Client.Do(req)
	if err != nil {
		return delivery.Outcome{}, 0, err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return Classify(res.StatusCode, res.Header, now), res.StatusCode, nil
}
