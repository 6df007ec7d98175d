// Package browser drives Debian's headless Chromium for tests of the hub's
// pages, through the DevTools protocol (chromedp).
//
// A test starts one browser with [Start] and opens a [Page] for each person
// it plays; pages do not share cookies or storage. A page opens URLs, fills
// and submits forms by element id, reads text, writes screenshots at
// desktop and phone widths, and runs axe-core in the page to find serious
// and critical accessibility violations.
//
// The browser is the one at CREDEX_CHROMIUM, else /usr/bin/chromium, run
// with --headless --no-sandbox --disable-gpu --disable-background-networking.
// axe-core is the script at CREDEX_AXE_JS, which deploy/local/test.sh sets
// after deploy/local/axe.sh has installed it from npm. When either is
// missing, the test that needs it fails rather than skips, as a test without
// Kafka or PostgreSQL does: a page test that silently skips proves nothing.
package browser
