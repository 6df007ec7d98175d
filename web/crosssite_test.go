package web

import (
	"net/http/httptest"
	"testing"
)

func TestCrossSite(t *testing.T) {
	for _, tt := range []struct {
		name          string
		fetchSite     string
		origin        string
		wantCrossSite bool
	}{
		// With Referrer-Policy no-referrer, as every page has, a browser
		// sends this site's own forms with Origin: null.
		{"this site's form, no referrer", "same-origin", "null", false},
		{"this site's form", "same-origin", "http://hub.example", false},
		{"typed or bookmarked", "none", "", false},
		{"another site's form", "cross-site", "null", true},
		{"a sibling subdomain's form", "same-site", "http://other.hub.example", true},
		{"an older browser, another site", "", "http://evil.example", true},
		{"an older browser, this site", "", "http://hub.example", false},
		{"a client that is no browser", "", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://hub.example/lookup", nil)
			if tt.fetchSite != "" {
				r.Header.Set("Sec-Fetch-Site", tt.fetchSite)
			}
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if got := crossSite(r); got != tt.wantCrossSite {
				t.Errorf("crossSite = %v, want %v", got, tt.wantCrossSite)
			}
		})
	}
}
