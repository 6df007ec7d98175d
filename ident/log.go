package ident

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
)

// MaskLogs returns a handler that masks every citizen ID number, by
// MaskText, in the message and the attribute values of each record, and
// then passes the record on to next. An attribute whose value shows a
// number (a string, an error, an integer, or any other value as it
// prints) is passed on as the masked string; any other is passed on as it
// was. Whatever the hub logs goes through it, because logs are read by
// operators who are not entitled to ID numbers.
func MaskLogs(next slog.Handler) slog.Handler { return maskingHandler{next} }

type maskingHandler struct{ next slog.Handler }

func (h maskingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	m := slog.NewRecord(r.Time, r.Level, MaskText(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		m.AddAttrs(maskAttr(a))
		return true
	})
	return h.next.Handle(ctx, m)
}

func (h maskingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		masked[i] = maskAttr(a)
	}
	return maskingHandler{h.next.WithAttrs(masked)}
}

func (h maskingHandler) WithGroup(name string) slog.Handler {
	return maskingHandler{h.next.WithGroup(name)}
}

func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	var text string
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, MaskText(v.String()))
	case slog.KindGroup:
		group := v.Group()
		masked := make([]slog.Attr, len(group))
		for i, g := range group {
			masked[i] = maskAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(masked...)}
	case slog.KindInt64:
		text = strconv.FormatInt(v.Int64(), 10)
	case slog.KindUint64:
		text = strconv.FormatUint(v.Uint64(), 10)
	case slog.KindAny:
		text = printed(v.Any())
	default:
		return slog.Attr{Key: a.Key, Value: v}
	}
	if m := MaskText(text); m != text {
		return slog.String(a.Key, m)
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// printed is how a handler may show a value of any kind.
func printed(x any) string {
	switch x := x.(type) {
	case error:
		return x.Error()
	case encoding.TextMarshaler:
		b, _ := x.MarshalText()
		return string(b)
	case []byte:
		return string(x)
	case json.RawMessage:
		return string(x)
	}
	return fmt.Sprintf("%+v", x)
}
