package main

import (
	"strings"
	"testing"
)

func TestScanFindsFullValidNumbers(t *testing.T) {
	t.Parallel()
	const log = `time=2025-06-05 level=INFO msg=submission department=tax accepted=1
level=WARN msg="bad record" id=500103196607041934 masked=5001**********1934
invalid check character 500103196607041935 and a longer run 15001031966070419341
level=INFO msg=query subject=11010519491231002x
metric{le="0.005"} 1764409673123456789 code=134403056544822217
level=WARN msg="hidden" facts="５００１０３ １９６６０７０４ １９３４"
`
	type hit struct {
		line int
		id   string
	}
	var got []hit
	if err := scan(strings.NewReader(log), func(line int, id string) { got = append(got, hit{line, id}) }); err != nil {
		t.Fatal(err)
	}
	want := []hit{{2, "500103196607041934"}, {3, "500103196607041934"}, {4, "11010519491231002X"}, {6, "500103196607041934"}}
	if len(got) != len(want) {
		t.Fatalf("found %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("finding %d = %v, want %v", i, got[i], want[i])
		}
	}
}
