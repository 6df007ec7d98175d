package api

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/ident"
)

// LookupLimits bound the look-ups of a person by name and ID number that
// need no key (the public query, the access log, authorisations,
// objections and repair applications). Each answers whether a name and a
// full ID number go together, so someone who knows a person's name and
// masked number (ident.MaskCitizenID: the first and last four characters)
// could complete the number by trying the candidates; these limits bound how
// fast. Buckets live in the process: k hubs behind one load balancer allow
// k times as much. A zero Limit is the default; a negative Rate does not
// limit.
type LookupLimits struct {
	// Address limits the look-ups from each client address.
	Address Limit
	// Person limits the look-ups of every ID number with the same masked
	// form, from all addresses together: all the candidates for one masked
	// number share one bucket, however many addresses try them.
	Person Limit
	// All limits every look-up the process serves.
	All Limit
}

// DefaultLookupLimits: a person looks themselves up a few times, not
// hundreds; docs/threat-model.md works out what they allow an attacker.
var DefaultLookupLimits = LookupLimits{
	Address: Limit{Rate: 60.0 / 3600, Burst: 30},
	Person:  Limit{Rate: 2.0 / 3600, Burst: 6},
	All:     Limit{Rate: 10, Burst: 100},
}

// NoLookupLimits limit nothing, for tests of everything else.
var NoLookupLimits = LookupLimits{Address: Limit{Rate: -1}, Person: Limit{Rate: -1}, All: Limit{Rate: -1}}

// Validate names what is impossible in l.
func (l LookupLimits) Validate() error {
	for _, c := range []struct {
		name  string
		limit Limit
	}{{"address", l.Address}, {"person", l.Person}, {"all", l.All}} {
		if err := c.limit.Validate(); err != nil {
			return fmt.Errorf("lookup %s %w", c.name, err)
		}
	}
	return nil
}

// lookupDomain separates the key of person buckets from every other key
// derived from the subject key.
const lookupDomain = "credex lookup throttle v1"

// Lookups holds the buckets of LookupLimits, shared by every door through
// which a person is looked up (the API and the pages), so that the limits
// hold across them. It is safe for concurrent use.
type Lookups struct {
	address, person, all *limiter
	// key keys the names of person buckets, so that the process keeps no
	// masked number in memory.
	key       []byte
	throttled *prometheus.CounterVec
}

// NewLookups returns the buckets of l, on the clock now, with the metric of
// throttled look-ups registered on reg. Person buckets are named by a key
// derived from subjectKey.
func NewLookups(l LookupLimits, subjectKey []byte, now func() time.Time, reg prometheus.Registerer) *Lookups {
	mac := hmac.New(sha256.New, subjectKey)
	mac.Write([]byte(lookupDomain))
	lk := &Lookups{
		address: newLimiter(cmp.Or(l.Address, DefaultLookupLimits.Address), now),
		person:  newLimiter(cmp.Or(l.Person, DefaultLookupLimits.Person), now),
		all:     newLimiter(cmp.Or(l.All, DefaultLookupLimits.All), now),
		key:     mac.Sum(nil),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_lookups_throttled_total",
			Help: "Keyless look-ups of a person by name and ID number refused as too many, by the bucket that was empty (address, person, all).",
		}, []string{"bucket"}),
	}
	reg.MustRegister(lk.throttled)
	return lk
}

// take takes a token for a look-up of idNumber (tidied and valid) from
// host: from the address's bucket, then the masked number's, then the
// process's. When one is empty it answers false, how long to wait, and
// which bucket it was.
func (lk *Lookups) take(host, idNumber string) (bool, time.Duration, string) {
	if ok, wait := lk.address.take(host); !ok {
		return false, wait, "address"
	}
	mac := hmac.New(sha256.New, lk.key)
	mac.Write([]byte(ident.MaskCitizenID(idNumber)))
	if ok, wait := lk.person.take(string(mac.Sum(nil))); !ok {
		return false, wait, "person"
	}
	if ok, wait := lk.all.take(""); !ok {
		return false, wait, "all"
	}
	return true, 0, ""
}

// Take counts a look-up of the person with idNumber from the client
// address host against the limits. When a bucket is empty it answers false
// and how long to wait. An ID number that is not one is not counted: the
// look-up is refused for it before anything is looked up.
func (lk *Lookups) Take(host, idNumber string) (bool, time.Duration) {
	idNumber, _, err := ident.NormalizeCitizenID(idNumber)
	if err != nil {
		return true, 0
	}
	ok, wait, bucket := lk.take(host, idNumber)
	if !ok {
		lk.throttled.WithLabelValues(bucket).Inc()
	}
	return ok, wait
}

// throttleLookup counts a keyless look-up of the person with idNumber
// against LookupLimits (Lookups.Take). When a bucket is empty it answers
// 429 with Retry-After and returns false.
func (a *server) throttleLookup(w http.ResponseWriter, r *http.Request, idNumber string) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ok, wait := a.lookups.Take(host, idNumber)
	if !ok {
		refuse(w, wait)
	}
	return ok
}
