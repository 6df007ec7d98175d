package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credex/credex/connectors/webhook"
)

var loopback = webhook.Guard{Allow: []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
}}

func TestGuardCheckAddr(t *testing.T) {
	t.Parallel()
	internal := webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}
	for _, tc := range []struct {
		addr   string
		guard  webhook.Guard
		reason string // "": allowed
	}{
		{addr: "8.8.8.8"},
		{addr: "1.1.1.1"},
		{addr: "100.63.255.255"},
		{addr: "100.128.0.0"},
		{addr: "172.15.255.255"},
		{addr: "172.32.0.0"},
		{addr: "2001:4860:4860::8888"},
		{addr: "2a00:1450:4001::1"},
		{addr: "::ffff:8.8.8.8"},

		{addr: "127.0.0.1", reason: "loopback"},
		{addr: "127.255.255.254", reason: "loopback"},
		{addr: "::1", reason: "loopback"},
		{addr: "::ffff:127.0.0.1", reason: "loopback"},
		{addr: "0.0.0.0", reason: "unspecified"},
		{addr: "::", reason: "unspecified"},
		{addr: "0.1.2.3", reason: "this network"},
		{addr: "10.0.0.1", reason: "private"},
		{addr: "172.16.0.1", reason: "private"},
		{addr: "172.31.255.255", reason: "private"},
		{addr: "192.168.1.1", reason: "private"},
		{addr: "::ffff:192.168.1.1", reason: "private"},
		{addr: "fd00::1", reason: "private"},
		{addr: "fc00::1", reason: "private"},
		{addr: "169.254.169.254", reason: "link-local"},
		{addr: "::ffff:169.254.169.254", reason: "link-local"},
		{addr: "fe80::1", reason: "link-local"},
		{addr: "fe80::1%eth0", reason: "link-local"},
		{addr: "100.64.0.1", reason: "shared address space"},
		{addr: "100.127.255.255", reason: "shared address space"},
		{addr: "224.0.0.1", reason: "multicast"},
		{addr: "239.255.255.250", reason: "multicast"},
		{addr: "ff02::1", reason: "multicast"},
		{addr: "255.255.255.255", reason: "reserved"},
		{addr: "240.0.0.1", reason: "reserved"},
		{addr: "192.0.0.8", reason: "IETF protocol assignment"},
		{addr: "192.0.2.1", reason: "documentation"},
		{addr: "198.51.100.7", reason: "documentation"},
		{addr: "203.0.113.9", reason: "documentation"},
		{addr: "2001:db8::1", reason: "documentation"},
		{addr: "198.18.0.1", reason: "benchmarking"},
		{addr: "::127.0.0.1", reason: "IPv4-compatible"},
		{addr: "64:ff9b::7f00:1", reason: "NAT64"},
		{addr: "64:ff9b:1::a00:1", reason: "NAT64"},
		{addr: "2002:7f00:1::", reason: "6to4"},
		{addr: "2001:0:4136:e378:8000:63bf:3fff:fdd2", reason: "IETF protocol assignment"},
		{addr: "100::1", reason: "discard-only"},
		{addr: "fec0::1", reason: "site-local"},

		{addr: "127.0.0.1", guard: loopback},
		{addr: "::1", guard: loopback},
		{addr: "::ffff:127.0.0.1", guard: loopback},
		{addr: "10.0.0.1", guard: loopback, reason: "private"},
		{addr: "169.254.169.254", guard: loopback, reason: "link-local"},
		{addr: "10.20.3.4", guard: internal},
		{addr: "10.21.0.1", guard: internal, reason: "private"},
		{addr: "8.8.8.8", guard: internal},
	} {
		name := tc.addr
		if tc.guard.Allow != nil {
			name += " allowing " + tc.guard.Allow[0].String()
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := tc.guard.CheckAddr(netip.MustParseAddr(tc.addr))
			switch {
			case tc.reason == "" && err != nil:
				t.Errorf("CheckAddr = %v, want allowed", err)
			case tc.reason != "" && (!errors.Is(err, webhook.ErrForbiddenAddress) || !strings.Contains(err.Error(), tc.reason)):
				t.Errorf("CheckAddr = %v, want ErrForbiddenAddress: %s", err, tc.reason)
			}
		})
	}
	if err := (webhook.Guard{}).CheckAddr(netip.Addr{}); !errors.Is(err, webhook.ErrForbiddenAddress) {
		t.Errorf("CheckAddr(zero Addr) = %v, want ErrForbiddenAddress", err)
	}
}

// Only literal addresses and "localhost" appear here, so no test sends a
// DNS query or a packet beyond this machine.
func TestGuardCheckURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url   string
		guard webhook.Guard
		want  error // nil: allowed
	}{
		{url: "https://8.8.8.8/hooks/credex"},
		{url: "http://8.8.8.8:8080/hooks?agency=tax"},
		{url: "HTTPS://8.8.8.8/"},
		{url: "https://[2001:4860:4860::8888]:443/"},
		{url: "http://127.0.0.1:8080/", guard: loopback},
		{url: "http://[::1]/", guard: loopback},
		{url: "http://localhost:9000/hook", guard: loopback},

		{url: "http://127.0.0.1:8080/", want: webhook.ErrForbiddenAddress},
		{url: "http://[::1]/", want: webhook.ErrForbiddenAddress},
		{url: "http://localhost:9000/hook", want: webhook.ErrForbiddenAddress},
		{url: "http://169.254.169.254/latest/meta-data/", want: webhook.ErrForbiddenAddress},
		{url: "http://[::ffff:169.254.169.254]/", want: webhook.ErrForbiddenAddress},
		{url: "http://[fe80::1%25eth0]/", want: webhook.ErrForbiddenAddress},
		{url: "http://0.0.0.0:8080/", want: webhook.ErrForbiddenAddress},
		{url: "http://10.0.0.1/", guard: loopback, want: webhook.ErrForbiddenAddress},
		{url: "http://100.64.0.1/", want: webhook.ErrForbiddenAddress},

		{url: "ftp://8.8.8.8/", want: webhook.ErrInvalidURL},
		{url: "file:///etc/passwd", want: webhook.ErrInvalidURL},
		{url: "gopher://127.0.0.1:6379/_FLUSHALL", want: webhook.ErrInvalidURL},
		{url: "//8.8.8.8/", want: webhook.ErrInvalidURL},
		{url: "/hooks", want: webhook.ErrInvalidURL},
		{url: "http:8.8.8.8", want: webhook.ErrInvalidURL},
		{url: "http://", want: webhook.ErrInvalidURL},
		{url: "http://:80/", want: webhook.ErrInvalidURL},
		{url: "https://user:pass@8.8.8.8/", want: webhook.ErrInvalidURL},
		{url: "https://8.8.8.8@127.0.0.1/", want: webhook.ErrInvalidURL},
		{url: "https://8.8.8.8/#frag", want: webhook.ErrInvalidURL},
		{url: "https://8.8.8.8/#", want: webhook.ErrInvalidURL},
		{url: "https://8.8.8.8:0/", want: webhook.ErrInvalidURL},
		{url: "https://8.8.8.8:65536/", want: webhook.ErrInvalidURL},
		{url: "http://2130706433/", want: webhook.ErrInvalidURL},
		{url: "http://0x7f000001/", want: webhook.ErrInvalidURL},
		{url: "http://0177.0.0.1/", want: webhook.ErrInvalidURL},
		{url: "http://127.1/", want: webhook.ErrInvalidURL},
		{url: "http://127.0.0.1./", want: webhook.ErrInvalidURL},
		{url: "http://8.8.8.8 /", want: webhook.ErrInvalidURL},
	} {
		t.Run(tc.url, func(t *testing.T) {
			t.Parallel()
			err := tc.guard.CheckURLContext(context.Background(), tc.url)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("CheckURLContext(%q) = %v, want %v", tc.url, err, tc.want)
			}
		})
	}
}

func TestGuardCheckURLHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := loopback.CheckURLContext(ctx, "http://localhost/"); err == nil {
		t.Error("CheckURLContext with a cancelled context resolved a name")
	}
}

type endpoint struct {
	*httptest.Server
	hits atomic.Int32
}

// setupEndpoint starts a receiver on 127.0.0.1 that answers 204, or
// redirects /moved to /.
func setupEndpoint(t *testing.T) *endpoint {
	t.Helper()
	e := &endpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/", http.StatusMovedPermanently)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(e.Close)
	return e
}

func TestGuardClientRefusesLoopback(t *testing.T) {
	t.Parallel()
	e := setupEndpoint(t)
	_, err := webhook.Guard{}.Client(5*time.Second).Post(e.URL, "application/json", strings.NewReader(`{}`))
	if !errors.Is(err, webhook.ErrForbiddenAddress) {
		t.Errorf("POST %s = %v, want ErrForbiddenAddress", e.URL, err)
	}
	if n := e.hits.Load(); n != 0 {
		t.Errorf("the endpoint received %d requests, want none", n)
	}
}

func TestGuardClientReachesAllowedLoopback(t *testing.T) {
	t.Parallel()
	e := setupEndpoint(t)
	client := webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}.Client(5 * time.Second)
	resp, err := client.Post(e.URL, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status %d, want 204", resp.StatusCode)
	}
}

func TestGuardClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	e := setupEndpoint(t)
	resp, err := loopback.Client(5*time.Second).Post(e.URL+"/moved", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || e.hits.Load() != 1 {
		t.Errorf("status %d after %d requests, want 301 after 1", resp.StatusCode, e.hits.Load())
	}
}

// A proxy would connect on the client's behalf, out of the guard's sight.
func TestGuardClientUsesNoProxy(t *testing.T) {
	t.Parallel()
	tr, ok := webhook.Guard{}.Client(0).Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		t.Errorf("client transport %T with a proxy function, want *http.Transport without", webhook.Guard{}.Client(0).Transport)
	}
}

func TestGuardClientTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	start := time.Now()
	_, err := loopback.Client(200 * time.Millisecond).Get(slow.URL)
	var nerr net.Error
	if !errors.As(err, &nerr) || !nerr.Timeout() {
		t.Errorf("GET a silent endpoint = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("gave up after %s, want about 200ms", d)
	}
}

func TestGuardDialContextRefusesForbiddenAddress(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })

	if _, err := (webhook.Guard{}).DialContext(context.Background(), "tcp", ln.Addr().String()); !errors.Is(err, webhook.ErrForbiddenAddress) {
		t.Errorf("dial %s = %v, want ErrForbiddenAddress", ln.Addr(), err)
	}
	conn, err := loopback.DialContext(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial %s allowing loopback: %v", ln.Addr(), err)
	}
	conn.Close()
	if _, err := loopback.DialContext(context.Background(), "udp", ln.Addr().String()); !errors.Is(err, webhook.ErrForbiddenAddress) {
		t.Errorf("dial udp = %v, want ErrForbiddenAddress", err)
	}
}
