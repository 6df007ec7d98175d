package main

import (
	"bufio"
	"context"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/ident"
)

// sample is the hub's state at one moment of the soak.
type sample struct {
	at                          time.Duration
	accepted                    int
	rssMiB, goroutines, dbConns float64
	lag                         float64
}

// series are the sampled figures, with their titles, in the order of the
// table and the plot.
var series = []struct {
	title string
	value func(sample) float64
}{
	{"resident memory (MiB)", func(s sample) float64 { return s.rssMiB }},
	{"goroutines", func(s sample) float64 { return s.goroutines }},
	{"open database connections", func(s sample) float64 { return s.dbConns }},
	{"sink lag (messages)", func(s sample) float64 { return s.lag }},
}

// runSoak streams rate records a second through one hub with a webhook
// subscriber attached for d, samples the hub every interval, checks every
// receipt as a scenario does, and writes docs/soak.md and docs/soak.svg.
func runSoak(binary string, d time.Duration, rate int, every time.Duration) error {
	h, err := newHarness("soak", scenario{}, binary, d, 4)
	if err != nil {
		return err
	}
	defer h.close()
	if err := h.start(0); err != nil {
		return err
	}
	pull, err := h.attach()
	if err != nil {
		return err
	}
	db, err := pgx.Connect(context.Background(), h.adminURL)
	if err != nil {
		return err
	}
	defer db.Close(context.Background())

	h.begin = time.Now()
	ctx, stop := context.WithTimeout(context.Background(), d)
	defer stop()
	var wg sync.WaitGroup
	var amounts atomic.Int64
	// Each client sends a batch of ten at its share of the rate.
	pause := time.Duration(float64(time.Second) * 10 * float64(h.clients) / float64(max(rate, 1)))
	for c := range h.clients {
		wg.Go(func() { h.steady(ctx, c, &amounts, pause) })
	}
	var samples []sample
	tick := time.NewTicker(every)
	for sampling := true; sampling; {
		select {
		case <-ctx.Done():
			sampling = false
		case <-tick.C:
			s, err := h.sample(db)
			if err != nil {
				fmt.Fprintf(os.Stderr, "soak: sample: %v\n", err)
				continue
			}
			samples = append(samples, s)
			fmt.Fprintf(os.Stderr, "soak: %s accepted=%d rss=%.0fMiB goroutines=%.0f db-connections=%.0f lag=%.0f\n",
				s.at.Round(time.Second), s.accepted, s.rssMiB, s.goroutines, s.dbConns, s.lag)
		}
	}
	tick.Stop()
	wg.Wait()
	r, err := h.check(pull)
	if err != nil {
		return err
	}
	fmt.Println(r)
	if err := writeSoak(h.repo, d, rate, every, samples, r); err != nil {
		return err
	}
	if !r.ok() {
		return fmt.Errorf("the soak lost, altered or did not deliver records (see above)")
	}
	return nil
}

// steady submits a batch every pause until ctx ends.
func (h *harness) steady(ctx context.Context, client int, amounts *atomic.Int64, pause time.Duration) {
	tick := time.NewTicker(pause)
	defer tick.Stop()
	hub := h.hubs[0]
	rnd := rand.New(rand.NewPCG(uint64(client), rand.Uint64()))
	people := make([]string, 5)
	for i := range people {
		people[i] = ident.NewCitizenID(rnd)
	}
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var envs []map[string]any
		var sent []int64
		for i := range 10 {
			amount := amounts.Add(1)
			// After 500 batches the sources repeat: new versions of
			// records, each source always about the same person.
			envs = append(envs, envelope(fmt.Sprintf("S-%d-%d-%d", client+1, n%500, i), people[(n%500+i)%len(people)], amount))
			sent = append(sent, amount)
		}
		status, receipts := submit(hub.addr, envs)
		h.record(envs, sent, status, receipts)
	}
}

// sample reads the hub's metrics and its database connections.
func (h *harness) sample(db *pgx.Conn) (sample, error) {
	s := sample{at: time.Since(h.begin)}
	h.mu.Lock()
	s.accepted = len(h.accepted)
	h.mu.Unlock()
	res, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + h.hubs[0].addr + "/metrics")
	if err != nil {
		return s, err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(name, '{'); i >= 0 {
			name, rest, _ = strings.Cut(line[i:], "} ")
			name = line[:i]
		}
		v, err := strconv.ParseFloat(strings.Fields(rest + " ")[0], 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			s.rssMiB = v / (1 << 20)
		case "go_goroutines":
			s.goroutines = v
		case "credex_sink_lag_messages":
			s.lag += v
		}
	}
	name := strings.TrimSuffix(h.prefix, ".")
	err = db.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, name).Scan(&s.dbConns)
	return s, err
}

// writeSoak writes the samples as a table (docs/soak.md) and a plot
// (docs/soak.svg).
func writeSoak(repo string, d time.Duration, rate int, every time.Duration, samples []sample, r result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Soak\n\nWritten by `deploy/local/faults.sh --soak %s --rate %d`: one hub (`credex serve`) on the\n", d, rate)
	fmt.Fprintf(&b, "local broker and PostgreSQL, records in batches of ten from four clients at %d a second\n", rate)
	fmt.Fprintf(&b, "(%.0f achieved: a client sends its next batch only once the last is answered),\n", float64(r.accepted)/d.Seconds())
	fmt.Fprintf(&b, "a pull and a webhook subscriber attached; the hub's `/metrics` and `pg_stat_activity`\n")
	fmt.Fprintf(&b, "sampled every %s. At the end every receipt was checked as in the fault scenarios:\n\n", every)
	fmt.Fprintf(&b, "```\n%s\n```\n\n![soak](soak.svg)\n\n", r)
	b.WriteString("| time | accepted |")
	for _, s := range series {
		b.WriteString(" " + s.title + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(series)) + "\n")
	for _, s := range samples {
		fmt.Fprintf(&b, "| %s | %d |", s.at.Round(time.Second), s.accepted)
		for _, f := range series {
			fmt.Fprintf(&b, " %.0f |", f.value(s))
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(repo, "docs/soak.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(repo, "docs/soak.svg"), []byte(plot(samples)), 0o644)
}

// plot draws each series in a panel of its own: a polyline over time, with
// its range written beside.
func plot(samples []sample) string {
	const w, ph, pad, left = 720.0, 130.0, 24.0, 60.0
	height := pad + float64(len(series))*(ph+pad)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", w, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	var end float64
	if len(samples) > 0 {
		end = samples[len(samples)-1].at.Seconds()
	}
	for i, s := range series {
		top := pad + float64(i)*(ph+pad)
		lo, hi := 0.0, 1.0
		for _, smp := range samples {
			hi = max(hi, s.value(smp))
		}
		hi *= 1.1
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">%s</text>`+"\n", left, top-6, html.EscapeString(s.title))
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#999"/>`+"\n", left, top, w-left-pad, ph)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%.0f</text>`+"\n", left-4, top+10, hi)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%.0f</text>`+"\n", left-4, top+ph, lo)
		var pts []string
		for _, smp := range samples {
			x := left + (w-left-pad)*smp.at.Seconds()/max(end, 1)
			y := top + ph - ph*(s.value(smp)-lo)/(hi-lo)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1f6feb" stroke-width="1.5"/>`+"\n", strings.Join(pts, " "))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%s</text>`+"\n", w-pad, height-6, html.EscapeString(fmt.Sprintf("time (s), 0 to %.0f", end)))
	b.WriteString("</svg>\n")
	return b.String()
}
