package main

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// The plot is an SVG document with one polyline a series, each through
// every sample, within its panel.
func TestPlot(t *testing.T) {
	t.Parallel()
	samples := []sample{
		{at: 5 * time.Second, rssMiB: 40, goroutines: 120, dbConns: 6, lag: 0},
		{at: 10 * time.Second, rssMiB: 55, goroutines: 130, dbConns: 8, lag: 12},
		{at: 15 * time.Second, rssMiB: 50, goroutines: 125, dbConns: 7, lag: 3},
	}
	var doc struct {
		XMLName   xml.Name `xml:"svg"`
		Polylines []struct {
			Points string `xml:"points,attr"`
		} `xml:"polyline"`
		Texts []string `xml:"text"`
	}
	if err := xml.Unmarshal([]byte(plot(samples)), &doc); err != nil {
		t.Fatalf("plot is not XML: %v", err)
	}
	if len(doc.Polylines) != len(series) {
		t.Fatalf("%d polylines, want one for each of %d series", len(doc.Polylines), len(series))
	}
	for i, p := range doc.Polylines {
		if n := len(strings.Fields(p.Points)); n != len(samples) {
			t.Errorf("polyline %d has %d points, want %d", i, n, len(samples))
		}
	}
	titles := strings.Join(doc.Texts, "|")
	for _, s := range series {
		if !strings.Contains(titles, s.title) {
			t.Errorf("no title %q in %q", s.title, titles)
		}
	}
}
