package browser

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// EnvScreenshots names the directory that tests write their pages'
// screenshots into, relative to the module's root unless absolute; unset,
// they write none.
const EnvScreenshots = "CREDEX_SCREENSHOTS"

// Widths of the screenshots, in CSS pixels at a device scale of 1: a
// desktop window and a phone held upright.
const (
	DesktopWidth = 1280
	PhoneWidth   = 390
)

// Heights of the viewports a page is laid out in before a screenshot
// stretches them to the page's full height, and the most a screenshot
// shows of a very long page.
const (
	desktopHeight = 800
	phoneHeight   = 844
	maxShotHeight = 6000
)

// ScreenshotDir returns the directory that CREDEX_SCREENSHOTS names,
// resolved against the module's root, or "" when it is unset.
func ScreenshotDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvScreenshots)
	if dir == "" || filepath.IsAbs(dir) {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	for root := wd; ; root = filepath.Dir(root) {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return filepath.Join(root, dir)
		}
		if filepath.Dir(root) == root {
			t.Fatalf("browser: %s=%s is relative, and no go.mod is above %s", EnvScreenshots, dir, wd)
		}
	}
}

// Screenshot writes the whole page, laid out at desktop and at phone width,
// as PNG files dir/name-desktop.png and dir/name-phone.png (creating dir),
// and returns their paths. At phone width the browser acts as a mobile one,
// so the page's viewport meta tag applies. Afterwards the page is laid out
// at desktop width again.
func (p *Page) Screenshot(dir, name string) []string {
	p.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
	var paths []string
	for _, v := range []struct {
		suffix        string
		width, height int64
		mobile        bool
	}{
		{"desktop", DesktopWidth, desktopHeight, false},
		{"phone", PhoneWidth, phoneHeight, true},
	} {
		png, err := run(p, fullPage(v.width, v.height, v.mobile))
		if err != nil {
			p.t.Fatalf("browser: screenshot of %s at %dpx: %v", p.where(), v.width, err)
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, v.suffix))
		if err := os.WriteFile(path, png, 0o644); err != nil {
			p.t.Fatalf("browser: %v", err)
		}
		paths = append(paths, path)
	}
	if _, err := run(p, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	})); err != nil {
		p.t.Fatalf("browser: restore the viewport: %v", err)
	}
	return paths
}

// fullPage lays the page out in a viewport of width×height, then stretches
// the viewport to the page's full height and captures it as PNG.
func fullPage(width, height int64, mobile bool) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		metrics := emulation.SetDeviceMetricsOverrideParams{Width: width, Height: height, DeviceScaleFactor: 1, Mobile: mobile}
		if _, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, metrics); err != nil {
			return nil, err
		}
		// Text is laid out in its web fonts, if any, before it is measured.
		if _, err := chromedp.Evaluate[chromedp.Void]("document.fonts.ready.then(() => 0)", chromedp.EvalAwaitPromise)(ctx, t); err != nil {
			return nil, err
		}
		lm, err := cdp.Call(ctx, t, page.GetLayoutMetrics, cdp.Empty{})
		if err != nil {
			return nil, err
		}
		if lm.CSSContentSize != nil {
			metrics.Height = min(max(height, int64(math.Ceil(lm.CSSContentSize.Height))), maxShotHeight)
			if _, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, metrics); err != nil {
				return nil, err
			}
		}
		shot, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:      page.CaptureScreenshotFormatPng,
			FromSurface: new(true),
		})
		if err != nil {
			return nil, err
		}
		return shot.Data, nil
	}
}
