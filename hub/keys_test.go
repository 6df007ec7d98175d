package hub_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyView is a key as the API shows it.
type keyView struct {
	ID        string     `json:"id"`
	Key       string     `json:"key"`
	Label     string     `json:"label"`
	Principal string     `json:"principal"`
	Current   bool       `json:"current"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Replaced  *keyView   `json:"replaced"`
}

// rotate issues a new key as key and expects 201.
func (b *bundle) rotate(key, label string) keyView {
	b.t.Helper()
	var v keyView
	if got := b.call(http.MethodPost, "/v1/keys", key, map[string]any{"label": label}, &v); got != http.StatusCreated {
		b.t.Fatalf("POST /v1/keys answered %d", got)
	}
	return v
}

// keysOf lists key's principal's keys.
func (b *bundle) keysOf(key string) []keyView {
	b.t.Helper()
	var page struct{ Keys []keyView }
	if got := b.call(http.MethodGet, "/v1/keys", key, nil, &page); got != http.StatusOK {
		b.t.Fatalf("GET /v1/keys answered %d", got)
	}
	return page.Keys
}

// authStatus is what key gets on an authenticated route: status and code.
func (b *bundle) authStatus(key string) (int, string) {
	b.t.Helper()
	var e apiError
	got := b.call(http.MethodGet, "/v1/keys", key, nil, &e)
	return got, e.Code
}

func TestKeyRotationWithOverlap(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	before := time.Now()
	issued := b.rotate(taxKey, "ingest job")

	if !strings.HasPrefix(issued.Key, "cx_") || len(issued.Key) != len("cx_")+43 {
		t.Errorf("key = %q, want cx_ and 32 bytes in base64url", issued.Key)
	}
	if issued.Replaced == nil || issued.Replaced.Label != "seed" || issued.Replaced.ExpiresAt == nil {
		t.Fatalf("replaced = %+v, want the seed key with an expiry", issued.Replaced)
	}
	if exp := *issued.Replaced.ExpiresAt; exp.Before(before.Add(24*time.Hour-time.Minute)) || exp.After(time.Now().Add(24*time.Hour+time.Minute)) {
		t.Errorf("the replaced key expires at %v, want 24h after the rotation", exp)
	}
	if n := b.count(`SELECT count(*) FROM principal_keys WHERE key_hash = encode(sha256($1::bytea), 'hex')`, issued.Key); n != 1 {
		t.Errorf("%d keys stored by the SHA-256 of the new key, want 1", n)
	}
	if n := b.count(`SELECT count(*) FROM principal_keys WHERE key_hash = $1 OR id = $1 OR label = $1`, issued.Key); n != 0 {
		t.Errorf("the key itself is stored in %d rows", n)
	}

	// During the overlap both keys work, as the same principal.
	for _, key := range []string{taxKey, issued.Key} {
		if got, code := b.authStatus(key); got != http.StatusOK {
			t.Errorf("during the overlap a key answered %d %s", got, code)
		}
	}
	keys := b.keysOf(issued.Key)
	if len(keys) != 2 || keys[0].Label != "seed" || keys[0].Current || keys[1].ID != issued.ID || !keys[1].Current {
		t.Errorf("keys listed with the new key = %+v, want the seed key then the new, current one", keys)
	}
	for _, k := range keys {
		if k.Key != "" || k.Principal != "tax" {
			t.Errorf("listed key %+v: want no secret, principal tax", k)
		}
	}

	// After the overlap the old key is refused as expired.
	if _, err := b.db.Exec(t.Context(), `UPDATE principal_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, issued.Replaced.ID); err != nil {
		t.Fatal(err)
	}
	if got, code := b.authStatus(taxKey); got != http.StatusUnauthorized || code != "expired_credentials" {
		t.Errorf("the replaced key after its overlap answered %d %s, want 401 expired_credentials", got, code)
	}
	if got, code := b.authStatus(issued.Key); got != http.StatusOK {
		t.Errorf("the new key after the overlap answered %d %s", got, code)
	}
	// Rotating a key that expires earlier than the overlap keeps its expiry.
	third := b.rotate(issued.Key, "third")
	if third.Replaced == nil || third.Replaced.ID != issued.ID || third.Replaced.ExpiresAt == nil {
		t.Errorf("third rotation replaced %+v, want the second key with an expiry", third.Replaced)
	}
}

func TestKeyRevocation(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	second := b.rotate(marketKey, "second")

	var revoked keyView
	if got := b.call(http.MethodDelete, "/v1/keys/"+second.ID, marketKey, nil, &revoked); got != http.StatusOK || revoked.RevokedAt == nil {
		t.Fatalf("revoking an own key answered %d %+v", got, revoked)
	}
	if got, code := b.authStatus(second.Key); got != http.StatusUnauthorized || code != "invalid_credentials" {
		t.Errorf("a revoked key answered %d %s, want 401 invalid_credentials", got, code)
	}
	if got := b.call(http.MethodDelete, "/v1/keys/"+second.ID, marketKey, nil, &revoked); got != http.StatusOK {
		t.Errorf("revoking again answered %d, want 200", got)
	}

	// A principal may revoke the key it uses; a seed that names the same key
	// again, at the next start, does not bring it back.
	seedKey := b.keysOf(marketKey)[0]
	if got := b.call(http.MethodDelete, "/v1/keys/"+seedKey.ID, marketKey, nil, nil); got != http.StatusOK {
		t.Fatalf("revoking the key in use answered %d", got)
	}
	if got, code := b.authStatus(marketKey); got != http.StatusUnauthorized || code != "invalid_credentials" {
		t.Errorf("the revoked seed key answered %d %s", got, code)
	}
	restarted := b.sibling(t)
	if got, code := restarted.authStatus(marketKey); got != http.StatusUnauthorized || code != "invalid_credentials" {
		t.Errorf("after a restart with the same seed, the revoked seed key answered %d %s", got, code)
	}
	if got, _ := restarted.authStatus(taxKey); got != http.StatusOK {
		t.Errorf("after a restart, another principal's seed key answered %d", got)
	}
}

func TestSeedNamingANewKeyRevokesTheOld(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	rotated := b.rotate(marketKey, "own")

	reseeded := *b
	reseeded.cfg.Principals = slices.Clone(b.cfg.Principals)
	reseeded.cfg.Principals[0].Key = "test-market-regulation-key-2"
	restarted := reseeded.sibling(t)

	if got, code := restarted.authStatus(marketKey); got != http.StatusUnauthorized || code != "invalid_credentials" {
		t.Errorf("the key the seed no longer names answered %d %s, want 401 invalid_credentials", got, code)
	}
	if got, code := restarted.authStatus("test-market-regulation-key-2"); got != http.StatusOK {
		t.Errorf("the key the seed names now answered %d %s", got, code)
	}
	if got, code := restarted.authStatus(rotated.Key); got != http.StatusOK {
		t.Errorf("a key issued through the API answered %d %s after the seed changed; want it kept", got, code)
	}
}

// The attack: a key leaks, its holder replaces it, and whoever holds the
// leaked key uses what is left of its overlap to mint a key of their own.
// A replaced key mints none, however often it tries; it works otherwise
// until its overlap ends. Keys issued through the API expire.
func TestReplacedKeyIssuesNoKeys(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	before := time.Now()
	issued := b.rotate(taxKey, "after the leak")
	if issued.ExpiresAt == nil || issued.ExpiresAt.Before(before.Add(90*24*time.Hour-time.Minute)) ||
		issued.ExpiresAt.After(time.Now().Add(90*24*time.Hour+time.Minute)) {
		t.Errorf("a key issued through the API expires at %v, want 90 days after it was issued", issued.ExpiresAt)
	}

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var e apiError
			if got := b.call(http.MethodPost, "/v1/keys", taxKey, map[string]any{"label": "mine now"}, &e); got != http.StatusForbidden || e.Code != "key_replaced" {
				t.Errorf("the replaced key issuing a key answered %d %+v, want 403 key_replaced", got, e)
			}
		})
	}
	wg.Wait()
	if n := b.count(`SELECT count(*) FROM principal_keys WHERE principal = 'tax'`); n != 2 {
		t.Errorf("tax holds %d keys, want the seed key and its successor", n)
	}
	if got, code := b.authStatus(taxKey); got != http.StatusOK {
		t.Errorf("during its overlap the replaced key answered %d %s, want it still served", got, code)
	}

	// Two rotations with one key at once: one replaces it, the other is
	// refused, so the key has one successor.
	codes := make(chan int, 2)
	for range 2 {
		wg.Go(func() { codes <- b.call(http.MethodPost, "/v1/keys", issued.Key, map[string]any{"label": "race"}, nil) })
	}
	wg.Wait()
	close(codes)
	var created, refused int
	for c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusForbidden:
			refused++
		}
	}
	if created != 1 || refused != 1 {
		t.Errorf("two rotations of one key at once: %d created, %d refused; want one of each", created, refused)
	}
	if n := b.count(`SELECT count(*) FROM principal_keys WHERE principal = 'tax' AND expires_at IS NULL`); n != 0 {
		t.Errorf("%d keys of tax never expire, want none", n)
	}
}
