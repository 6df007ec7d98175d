package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/ident"
)

// candidates returns, in order, every valid ID number that a person of the
// masked number masked (ident.MaskCitizenID: 4 characters, 10 stars, 4)
// could have, with the two hidden digits of the region code among regions
// and the birth date from from to to.
func candidates(masked string, regions []string, from, to time.Time) []string {
	var ids []string
	for _, region := range regions {
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			id := masked[:4] + region + d.Format("20060102") + masked[14:]
			if ident.CheckCitizenID(id) == nil {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// chongqingCentral are the hidden region digits of numbers masked as
// 5001**: the 26 districts of central Chongqing, 500101 to 500120 and
// 500151 to 500156.
var chongqingCentral = func() []string {
	var r []string
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 51, 52, 53, 54, 55, 56} {
		r = append(r, fmt.Sprintf("%02d", n))
	}
	return r
}()

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// guess runs the completion of a masked number against the throttle of a
// server with the default limits, as fast as it allows: each try is the
// next candidate, from the next of addresses; a refused try waits as long
// as Retry-After says and tries again. It returns how many candidates were
// looked up within horizon.
func guess(t *testing.T, cands []string, addresses int, horizon time.Duration) int {
	t.Helper()
	c := &clock{t: date(2026, 3, 2)}
	a := &server{lookups: NewLookups(LookupLimits{}, []byte("test-subject-key"), c.now, prometheus.NewRegistry())}
	end := c.now().Add(horizon)
	tried := 0
	for i := 0; c.now().Before(end) && tried < len(cands); i++ {
		r := httptest.NewRequest(http.MethodPost, "/v1/public/query", nil)
		r.RemoteAddr = fmt.Sprintf("198.51.100.%d:40000", i%addresses)
		w := httptest.NewRecorder()
		if a.throttleLookup(w, r, cands[tried]) {
			tried++
			continue
		}
		wait, err := strconv.Atoi(w.Header().Get("Retry-After"))
		if w.Code != http.StatusTooManyRequests || err != nil || wait < 1 {
			t.Fatalf("refused with %d, Retry-After %q; want 429 and a wait", w.Code, w.Header().Get("Retry-After"))
		}
		c.advance(time.Duration(wait) * time.Second)
	}
	return tried
}

// TestLookupThrottleBoundsCompletingAMaskedNumber measures how fast the
// hidden digits of 5001**********2018 can be found: the candidates are
// every valid number of a central Chongqing district and a birth date,
// whose check character is the 8 shown. From one address or from 256, a
// week lets the same few hundred through, so the figures of
// docs/threat-model.md follow.
func TestLookupThrottleBoundsCompletingAMaskedNumber(t *testing.T) {
	t.Parallel()
	const masked = "5001**********2018"
	person := DefaultLookupLimits.Person
	perHour := person.Rate * 3600
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"born 1946 to 2007 (18 to 80)", date(1946, 1, 1), date(2007, 12, 31), 53528},
		{"birth year known", date(1985, 1, 1), date(1985, 12, 31), 861},
	} {
		cands := candidates(masked, chongqingCentral, c.from, c.to)
		if len(cands) != c.want {
			t.Fatalf("%s: %d candidates, want %d", c.name, len(cands), c.want)
		}
		hours := float64(len(cands)-person.Burst) / perHour
		t.Logf("%s: %d candidates, all tried after %.0f hours (%.1f days), half after %.0f hours",
			c.name, len(cands), hours, hours/24, (float64(len(cands))/2-float64(person.Burst))/perHour)
	}

	cands := candidates(masked, chongqingCentral, date(1946, 1, 1), date(2007, 12, 31))
	const week = 7 * 24 * time.Hour
	bound := person.Burst + int(perHour*week.Hours())
	for _, addresses := range []int{1, 256} {
		tried := guess(t, cands, addresses, week)
		t.Logf("from %d address(es): %d candidates in a week", addresses, tried)
		if tried > bound {
			t.Errorf("from %d addresses: %d candidates tried in a week, want at most %d", addresses, tried, bound)
		}
	}
}

// The bucket of a masked number is its own: a person whose number masks
// otherwise is served while another's is exhausted, and a number that is
// not one is not counted.
func TestLookupThrottleIsPerMaskedNumber(t *testing.T) {
	t.Parallel()
	c := &clock{t: date(2026, 3, 2)}
	a := &server{lookups: NewLookups(LookupLimits{Address: Limit{Rate: -1}}, []byte("test-subject-key"), c.now, prometheus.NewRegistry())}
	try := func(id string) int {
		r := httptest.NewRequest(http.MethodPost, "/v1/public/query", nil)
		w := httptest.NewRecorder()
		if a.throttleLookup(w, r, id) {
			return http.StatusOK
		}
		return w.Code
	}
	cands := candidates("5001**********2018", chongqingCentral, date(1985, 1, 1), date(1985, 12, 31))
	for i := range DefaultLookupLimits.Person.Burst {
		if got := try(cands[i]); got != http.StatusOK {
			t.Fatalf("try %d = %d, want served within the burst", i+1, got)
		}
	}
	if got := try(cands[len(cands)-1]); got != http.StatusTooManyRequests {
		t.Fatalf("another candidate of the same masked number = %d, want 429", got)
	}
	if got := try(" " + cands[0] + " "); got != http.StatusTooManyRequests {
		t.Errorf("a candidate written untidily = %d, want 429: it is the same number", got)
	}
	if got := try("11010519491231002X"); got != http.StatusOK {
		t.Errorf("a number that masks otherwise = %d, want served", got)
	}
	if got := try("500103198503122019"); got != http.StatusOK {
		t.Errorf("a number that is not one (wrong check character) = %d, want not counted", got)
	}
}
