package registry

import (
	"time"

	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/store"
)

// PublicSpans are, for each of types whose current version makes it
// public, the periods during which the version in force made it public
// (spans gives each type's versions in force, Registry.Spans). A record is
// shown to the public only if it was first published within one: records
// are disclosed under the rules in force when they were published, so a
// later version that widens disclosure does not reach back to the records
// held before it. A version that narrows disclosure applies to every
// record at once, since the current version must make the type public too.
// The API's public query and the public pages both ask it.
func PublicSpans(types []*catalog.RecordType, spans func(code string) []Span) []store.PublicSpan {
	var public []store.PublicSpan
	for _, t := range types {
		if !authz.Allowed(authz.Person, authz.PublicQuery, t) {
			continue
		}
		for _, s := range spans(t.Code) {
			if !authz.Allowed(authz.Person, authz.PublicQuery, s.Type) {
				continue
			}
			var until *time.Time
			if !s.Until.IsZero() {
				until = &s.Until
			}
			if n := len(public); n > 0 && public[n-1].Type == t.Code && public[n-1].Until != nil && public[n-1].Until.Equal(s.From) {
				public[n-1].Until = until // one span across versions that were all public
				continue
			}
			public = append(public, store.PublicSpan{Type: t.Code, From: s.From, Until: until})
		}
	}
	return public
}
