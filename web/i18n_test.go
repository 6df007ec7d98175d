package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMessagesComplete checks that every message key a template or a
// handler names exists in Chinese and in English.
func TestMessagesComplete(t *testing.T) {
	uses := regexp.MustCompile(`(?:\.T|translate\([a-zA-Z.()]+,|s\.fail\(w, r, [a-zA-Z.]+,) "([a-z_.]*[a-z_])"`)
	used := map[string]bool{}
	scan := func(name string, text []byte) {
		for _, m := range uses.FindAllSubmatch(text, -1) {
			used[string(m[1])] = true
		}
	}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, name := range names {
		text, _ := fs.ReadFile(templateFS, name)
		scan(name, text)
	}
	sources, _ := filepath.Glob("*.go")
	for _, name := range sources {
		if name == "doc.go" || strings.HasSuffix(name, "_test.go") {
			continue // examples, not uses
		}
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		scan(name, text)
	}
	// Keys made of a value: each value must have its message.
	for _, family := range [][]string{
		prefixed("status.", "filed", "accepted", "decided", "refused", "submitted", "approved"),
		prefixed("outcome.", "upheld", "corrected", "revoked"),
		prefixed("grounds.", "error", "omission", "duplicate", "should_not_be_public", "shown_past_period", "differs_from_deciding_authority"),
		prefixed("class.", "basic", "positive", "negative", "serious_dishonesty"),
		prefixed("case.kind.", "objection", "repair"),
		prefixed("case.deadline.", "filed", "accepted", "submitted"),
		prefixed("case.open.", "objection", "repair"),
		prefixed("who.", "person", "public"),
	} {
		for _, key := range family {
			used[key] = true
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d message keys in use: the scan is broken", len(used))
	}
	for key := range used {
		for _, lang := range []string{zh, en} {
			if _, ok := messages[lang][key]; !ok {
				t.Errorf("message %q has no %s text", key, lang)
			}
		}
	}
	for key := range messages[zh] {
		if _, ok := messages[en][key]; !ok {
			t.Errorf("message %q has no en text", key)
		}
	}
	for key := range messages[en] {
		if _, ok := messages[zh][key]; !ok {
			t.Errorf("message %q has no zh text", key)
		}
	}
}

func prefixed(prefix string, values ...string) []string {
	keys := make([]string, len(values))
	for i, v := range values {
		keys[i] = prefix + v
	}
	return keys
}
