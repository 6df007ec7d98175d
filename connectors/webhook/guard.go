package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is wrapped by every refusal of [Guard] to reach an
// address, with the address and the reason ("loopback", "private", ...).
var ErrForbiddenAddress = errors.New("forbidden webhook address")

// ErrInvalidURL is wrapped when a webhook URL is refused for its form.
var ErrInvalidURL = errors.New("invalid webhook URL")

// Timeouts of [Guard.CheckURLContext] and of the client made by [Guard.Client].
const (
	ResolveTimeout = 5 * time.Second
	DefaultTimeout = 30 * time.Second // the upper end of the 15–30 s the specification recommends
	dialTimeout    = 10 * time.Second
)

// Guard keeps webhook deliveries away from the hub's own network: it lets
// them reach public unicast addresses only, and the prefixes of Allow.
//
// Refused unless allowed: unspecified, loopback, private (RFC 1918 and
// fc00::/7), link-local (169.254.0.0/16 with the cloud metadata service
// 169.254.169.254, and fe80::/10), multicast, shared address space
// (100.64.0.0/10), "this network" (0.0.0.0/8), documentation, benchmarking
// and reserved ranges, broadcast, and IPv6 ranges that embed or translate to
// IPv4 (IPv4-compatible, NAT64, 6to4, Teredo). An IPv4-mapped IPv6 address is
// judged as the IPv4 address it maps.
//
// The zero Guard is the production policy. `credex dev` allows loopback.
// A Guard is a value; it is safe for concurrent use once built.
type Guard struct {
	// Allow lists prefixes that may be reached although they are not
	// public, such as 127.0.0.0/8 for a hub on a developer's machine or an
	// operator's internal network where agencies' endpoints live.
	Allow []netip.Prefix
}

// special lists the ranges refused beyond those netip.Addr classifies itself,
// from the IANA IPv4 and IPv6 special-purpose address registries. With them,
// every address left is global unicast.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignment"}, // includes Teredo, 2001::/32
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
}

// CheckAddr returns nil when a may be reached: it lies in Allow, or it is a
// public unicast address. Otherwise the error wraps [ErrForbiddenAddress].
func (g Guard) CheckAddr(a netip.Addr) error {
	a = a.Unmap().WithZone("")
	for _, p := range g.Allow {
		if p.Contains(a) {
			return nil
		}
	}
	if reason := forbidden(a); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, a, reason)
	}
	return nil
}

func forbidden(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "not an IP address"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	}
	for _, s := range special {
		if s.prefix.Contains(a) {
			return s.reason
		}
	}
	return ""
}

// CheckURLContext says whether raw may be registered as a webhook endpoint.
// It must be an absolute http or https URL (both are accepted: the signature
// protects integrity, not confidentiality, so operators who need the latter
// refuse http before calling this) without user information or fragment,
// with a valid port if any, and every address its host resolves to (with
// net.DefaultResolver, within ctx and at most [ResolveTimeout]) must pass
// [Guard.CheckAddr].
//
// The check is a courtesy to the agency at registration time: the answer of
// DNS may change by the time of delivery, which is why [Guard.Client] checks
// again at each connection.
func (g Guard) CheckURLContext(ctx context.Context, raw string) error {
	ctx, cancel := context.WithTimeout(ctx, ResolveTimeout)
	defer cancel()
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidURL, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme %q, want http or https", ErrInvalidURL, u.Scheme)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("%w: no host", ErrInvalidURL)
	case u.User != nil:
		return fmt.Errorf("%w: user information is not allowed", ErrInvalidURL)
	case strings.Contains(raw, "#"):
		return fmt.Errorf("%w: fragment is not allowed", ErrInvalidURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%w: port %q", ErrInvalidURL, p)
		}
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil {
		return g.CheckAddr(a)
	}
	if numeric(host) {
		// 0x7f.1, 017700000001, 2130706433: forms some resolvers read as IPv4.
		return fmt.Errorf("%w: host %q is neither a name nor a dotted-decimal address", ErrInvalidURL, host)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("resolve %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("resolve %q: no addresses", host)
	}
	for _, a := range addrs {
		if err := g.CheckAddr(a); err != nil {
			return fmt.Errorf("host %q: %w", host, err)
		}
	}
	return nil
}

// numeric reports whether host's last label looks like a number, which no
// top-level domain does.
func numeric(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if l := strings.ToLower(last); strings.HasPrefix(l, "0x") {
		return true
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// DialContext connects like a [net.Dialer], but refuses, at the moment of
// connecting, every address that fails [Guard.CheckAddr]. Because the check
// sees the address actually dialled, after resolution, it defends against
// DNS rebinding as well. Only TCP is dialled.
func (g Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: g.control}
	return d.DialContext(ctx, network, addr)
}

func (g Guard) control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("%w: network %s", ErrForbiddenAddress, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrForbiddenAddress, err)
	}
	return g.CheckAddr(ap.Addr())
}

// MaxIdlePerHost is how many idle connections [Guard.Client] keeps to one
// host: enough for four subscriptions of one agency with their default
// number of requests in flight.
const MaxIdlePerHost = 64

// Client returns an HTTP client for deliveries: it dials through
// [Guard.DialContext], never uses a proxy (which would hide the address
// reached from the guard), never follows redirects (a 3xx is answered as
// is, and counts as a failure), and gives up on a request after timeout
// (zero means [DefaultTimeout]), with shorter limits on TLS handshake and
// idle connections. It keeps up to [MaxIdlePerHost] connections to each
// endpoint open between requests, so that the requests a subscription has
// under way at once (delivery.Config.InFlight), and those of the other
// subscriptions to the same agency, reuse their connections instead of
// dialling (and, over TLS, shaking hands) anew.
func (g Guard) Client(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           g.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   MaxIdlePerHost,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       timeout,
	}
}
