package requestid

import (
	"context"
	"crypto/rand"
	"log/slog"
)

// Header is the HTTP header that carries a request's id, both ways.
const Header = "X-Request-Id"

// MaxLen is the longest id taken from a client.
const MaxLen = 64

// Key is the attribute under which Handler logs the id.
const Key = "request_id"

type key struct{}

// With returns ctx carrying the request id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From returns the request id ctx carries, or "".
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// New returns a fresh request id: 26 random base32 characters.
func New() string { return rand.Text() }

// Sane reports whether id, as a client sent it, may name the request: 1 to
// MaxLen characters of letters, digits and . _ : -, so that it cannot break
// a log line or a header. Whether it could be personal data is the
// caller's to check.
func Sane(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// Handler returns a handler that adds the request id of the context a
// record is logged with (the ...Context methods of slog.Logger) to the
// record, then passes it to next.
func Handler(next slog.Handler) slog.Handler { return handler{next} }

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := From(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
	}
	return h.next.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler { return handler{h.next.WithAttrs(attrs)} }

func (h handler) WithGroup(name string) slog.Handler { return handler{h.next.WithGroup(name)} }
