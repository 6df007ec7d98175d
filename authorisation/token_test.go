package authorisation_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/authorisation"
)

var key = []byte("test-authorisation-key-0123456789")

func grant() authorisation.Grant {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	return authorisation.Grant{ID: "auz_1", Subject: "abc", Agency: "bank", Purpose: "loan application",
		Types: []string{"tax_credit"}, Issued: at.Unix(), Expires: at.Add(30 * 24 * time.Hour).Unix()}
}

func sign(t testing.TB, g authorisation.Grant) string {
	tok, err := authorisation.Sign(key, g)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signRaw signs an encoded payload that Sign would never make.
func signRaw(enc string) string { return authorisation.SignPayload(key, enc) }

func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	g, err := authorisation.Parse(key, sign(t, grant()))
	if err != nil {
		t.Fatal(err)
	}
	if g.Agency != "bank" || g.Types[0] != "tax_credit" {
		t.Fatalf("got %+v", g)
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	good := sign(t, grant())
	long := grant()
	long.Expires = long.Issued + int64(91*24*3600)
	noTypes := grant()
	noTypes.Types = nil
	twice := grant()
	twice.Types = []string{"tax_credit", "tax_credit"}
	other, _ := authorisation.Sign([]byte("another-key-of-some-length"), grant())
	enc, _, _ := strings.Cut(good, ".")
	for name, c := range map[string]struct {
		token string
		want  error
	}{
		"empty":           {"", authorisation.ErrMalformed},
		"one part":        {enc, authorisation.ErrMalformed},
		"three parts":     {good + ".x", authorisation.ErrMalformed},
		"bad base64 sig":  {enc + ".!!", authorisation.ErrMalformed},
		"other key":       {other, authorisation.ErrSignature},
		"tampered":        {"X" + good[1:], authorisation.ErrSignature},
		"over 90 days":    {sign(t, long), authorisation.ErrMalformed},
		"no types":        {sign(t, noTypes), authorisation.ErrMalformed},
		"type twice":      {sign(t, twice), authorisation.ErrMalformed},
		"huge":            {strings.Repeat("a", 5000) + ".b", authorisation.ErrMalformed},
		"signed not json": {signRaw("bm90IGpzb24"), authorisation.ErrMalformed},
		"unknown field":   {signRaw("eyJ4IjoxfQ"), authorisation.ErrMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := authorisation.Parse(key, c.token); !errors.Is(err, c.want) {
				t.Fatalf("Parse = %v, want %v", err, c.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	g := grant()
	ok := authorisation.Inquiry{Agency: "bank", Subject: "abc", Purpose: "loan application", Types: []string{"tax_credit"},
		At: time.Unix(g.Issued, 0).Add(time.Hour)}
	for name, c := range map[string]struct {
		edit func(*authorisation.Inquiry)
		want error
	}{
		"covered":       {func(*authorisation.Inquiry) {}, nil},
		"expired":       {func(q *authorisation.Inquiry) { q.At = time.Unix(g.Expires, 0) }, authorisation.ErrExpired},
		"not yet":       {func(q *authorisation.Inquiry) { q.At = time.Unix(g.Issued-1, 0) }, authorisation.ErrExpired},
		"other agency":  {func(q *authorisation.Inquiry) { q.Agency = "other" }, authorisation.ErrMismatch},
		"other purpose": {func(q *authorisation.Inquiry) { q.Purpose = "marketing" }, authorisation.ErrMismatch},
		"other person":  {func(q *authorisation.Inquiry) { q.Subject = "abd" }, authorisation.ErrMismatch},
		"other type":    {func(q *authorisation.Inquiry) { q.Types = []string{"student_credit"} }, authorisation.ErrMismatch},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := ok
			c.edit(&q)
			if err := g.Check(q); !errors.Is(err, c.want) {
				t.Fatalf("Check = %v, want %v", err, c.want)
			}
		})
	}
}

// FuzzParseAuthorisation: Parse never panics, and whatever it accepts is a
// valid grant that signs back to a token it accepts.
func FuzzParseAuthorisation(f *testing.F) {
	f.Add(sign(f, grant()))
	f.Add("")
	f.Add(".")
	f.Add("eyJ9.")
	f.Add(signRaw("e30"))
	f.Add(signRaw("eyJpZCI6MX0"))
	f.Fuzz(func(t *testing.T, token string) {
		g, err := authorisation.Parse(key, token)
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("accepted an invalid grant: %v", err)
		}
		if _, err := authorisation.Parse(key, sign(t, g)); err != nil {
			t.Fatalf("re-signed grant refused: %v", err)
		}
	})
}

func TestValidID(t *testing.T) {
	t.Parallel()
	if id := authorisation.NewID(); !authorisation.ValidID(id) {
		t.Fatalf("ValidID(%q) = false for an id of NewID", id)
	}
	for _, id := range []string{"", "auz_", "auz_0f1e2d3c4b5a69788796a5b4c3d2e1f", "auz_0f1e2d3c4b5a69788796a5b4c3d2e1f00",
		"auz_0F1E2D3C4B5A69788796A5B4C3D2E1F0", "auz_0f1e2d3c4b5a69788796a5b4c3d2e1fg", "abc_0f1e2d3c4b5a69788796a5b4c3d2e1f0"} {
		if authorisation.ValidID(id) {
			t.Errorf("ValidID(%q) = true", id)
		}
	}
}
