package ident

import (
	"bytes"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// id is a synthetic citizen ID number, valid and born 1966-07-04.
const id = "500103196607041934"

func TestMaskText(t *testing.T) {
	t.Parallel()
	if err := CheckCitizenID(id); err != nil {
		t.Fatalf("the test number is not valid: %v", err)
	}
	tests := []struct{ name, in, want string }{
		{"alone", id, "5001**********1934"},
		{"in free text", "当事人王小明（身份证号" + id + "）未取得许可",
			"当事人王小明（身份证号5001**********1934）未取得许可"},
		{"after a digit", "1" + id, "15001**********1934"},
		{"before a digit", id + "7", "5001**********19347"},
		{"inside a longer run", "99" + id + "99", "995001**********193499"},
		{"full-width digits", "５００１０３１９６６０７０４１９３４", "５００１**********１９３４"},
		{"spaces between groups", "500103 19660704 1934", "5001** ******** 1934"},
		{"hyphens between groups", "500103-19660704-1934", "5001**-********-1934"},
		{"full-width hyphens and ideographic spaces", "500103－19660704　1934", "5001**－********　1934"},
		{"a space between every digit", "5 0 0 1 0 3 1 9 6 6 0 7 0 4 1 9 3 4",
			"5 0 0 1 * * * * * * * * * * 1 9 3 4"},
		{"separators up to three", "500103 - 19660704 - 1934", "5001** - ******** - 1934"},
		{"zero-width spaces", "500103\u200b19660704\u200b1934", "5001**\u200b********\u200b1934"},
		{"soft hyphen and no-break space", "500103\u00ad19660704\u00a01934", "5001**\u00ad********\u00a01934"},
		{"lowercase check x", "11010519491231002x", "1101**********002x"},
		{"full-width check x", "11010519491231002ｘ", "1101**********002ｘ"},
		{"wrong check character", "500103196607041935", "5001**********1935"},
		{"no check character", "50010319660704193", "5001**********193"},
		{"Chinese numerals", "五〇〇一〇三一九六六〇七〇四一九三四", "五〇〇一**********一九三四"},
		{"financial numerals", "伍零零壹零叁壹玖陆陆零柒零肆壹玖叁肆", "伍零零壹**********壹玖叁肆"},
		{"Arabic-Indic digits", "٥٠٠١٠٣١٩٦٦٠٧٠٤١٩٣٤", "٥٠٠١**********١٩٣٤"},
		{"mixed scripts", "5００1０3１9６6０7０4１9３4", "5００1**********１9３4"},
		{"two numbers", id + "、11010519491231002X", "5001**********1934、1101**********002X"},
		{"in a JSON text", `{"facts":"` + id + `"}`, `{"facts":"5001**********1934"}`},

		{"empty", "", ""},
		{"already masked", "5001**********1934", "5001**********1934"},
		{"all-digit credit code", "134403056544822217", "134403056544822217"},
		{"credit code", "91350100M000100Y43", "91350100M000100Y43"},
		{"an amount", "12345678901234567890.50", "12345678901234567890.50"},
		{"a timestamp in nanoseconds", "1764409673123456789", "1764409673123456789"},
		{"a phone number and a date", "138 0013 8000 2025-06-03", "138 0013 8000 2025-06-03"},
		{"no plausible birth date (month 13)", "500103196613041934", "500103196613041934"},
		{"region starting with 0", "000103196607041934", "000103196607041934"},
		{"separated by four spaces", "500103    19660704 1934", "500103    19660704 1934"},
		{"separated by letters", "500103a19660704b1934", "500103a19660704b1934"},
		{"sixteen digits", "5001031966070419", "5001031966070419"},
		{"X inside", "5001031966X7041934", "5001031966X7041934"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := MaskText(tt.in); got != tt.want {
				t.Errorf("MaskText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFindCitizenIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"身份证号" + id + "。", []string{id}},
		{"５００１０３ １９６６０７０４ １９３ｘ", []string{"50010319660704193X"}},
		{"1" + id, []string{id}},
		{"50010319660704193", []string{"50010319660704193"}},
		{id + " 和 11010519491231002x", []string{id, "11010519491231002X"}},
		{"134403056544822217", nil},
		{"5001**********1934", nil},
	}
	for _, tt := range tests {
		if got := FindCitizenIDs(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("FindCitizenIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDecimalValue: every Unicode decimal digit has its value, so that the
// birth date of a number written in any script is read.
func TestDecimalValue(t *testing.T) {
	t.Parallel()
	for r, want := range map[rune]int{'5': 5, '５': 5, '٥': 5, '५': 5, '𝟓': 5, '𝟿': 9, '᠐': 0} {
		if got, ok := idChar(r); !ok || got != want {
			t.Errorf("idChar(%q) = %d, %v; want %d", r, got, ok, want)
		}
	}
}

func TestMaskPayload(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, in, want string
	}{
		{"subject", `{"subject":{"name":"王小明","id_number":"500103196607041934"}}`,
			`{"subject":{"id_number":"5001**********1934","name":"王小明"}}`},
		{"deeply nested", `{"a":{"b":{"c":{"id_number":"11010119900307451X"}}}}`,
			`{"a":{"b":{"c":{"id_number":"1101**********451X"}}}}`},
		{"objects in arrays", `{"parties":[{"id_number":"500103196607041934"},{"id_number":"11010119900307451X","role":"guarantor"}]}`,
			`{"parties":[{"id_number":"5001**********1934"},{"id_number":"1101**********451X","role":"guarantor"}]}`},
		{"top-level array", `[{"id_number":"500103196607041934"},[{"x":{"id_number":"500103196607041934"}}]]`,
			`[{"id_number":"5001**********1934"},[{"x":{"id_number":"5001**********1934"}}]]`},
		{"an id_number that is no ID number is starred through", `{"id_number":"12345"}`, `{"id_number":"*****"}`},
		{"an id_number written oddly is starred through", `{"id_number":"500103 19660704 1934"}`, `{"id_number":"********************"}`},
		{"an id_number that is a JSON number", `{"id_number":500103196607041934}`, `{"id_number":"5001**********1934"}`},
		{"an object under id_number is masked inside", `{"id_number":{"id_number":"500103196607041934"}}`,
			`{"id_number":{"id_number":"5001**********1934"}}`},
		{"free text", `{"facts":"当事人（身份证号500103196607041934）"}`, `{"facts":"当事人（身份证号5001**********1934）"}`},
		{"free text, evasive", `{"facts":"证件 1５００１０３-19660704-1934 号"}`, `{"facts":"证件 1５００１**-********-1934 号"}`},
		{"another property name", `{"holder_id":"500103196607041934"}`, `{"holder_id":"5001**********1934"}`},
		{"a key", `{"500103196607041934":"王小明"}`, `{"5001**********1934":"王小明"}`},
		{"two keys that mask alike: the first stays", `{"500103196607051934":"b","500103196607041934":"a"}`,
			`{"5001**********1934":"a"}`},
		{"a masked key stays", `{"5001**********1934":"x","500103196607041934":"y"}`, `{"5001**********1934":"x"}`},
		{"a number", `{"phone":500103196607041934}`, `{"phone":"5001**********1934"}`},
		{"in an array of strings", `{"notes":["a","500103196607041934"]}`, `{"notes":["a","5001**********1934"]}`},
		{"other fields untouched, numbers kept exactly", `{"amount_yuan":12345678901234567890.50,"note":"x","n":null,"ok":true}`,
			`{"amount_yuan":12345678901234567890.50,"n":null,"note":"x","ok":true}`},
		{"text kept as written", `{"note":"<b>A&B</b> 5001**********1934"}`, `{"note":"<b>A&B</b> 5001**********1934"}`},
		{"scalar", `"500103196607041934"`, `"5001**********1934"`},
		{"null", `null`, `null`},
		{"not JSON", `{"subject": {"id_number": "500103196607041934"`, `null`},
		{"empty", ``, `null`},
		{"text", `id_number=500103196607041934`, `null`},
	} {
		if got := string(MaskPayload([]byte(c.in))); got != c.want {
			t.Errorf("%s: MaskPayload(%s) = %s, want %s", c.name, c.in, got, c.want)
		}
	}
}

type holder struct{ Name, IDNumber string }

func TestMaskLogs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(MaskLogs(slog.NewTextHandler(&buf, nil)))
	log.With("with", "证件"+id).WithGroup("g").Warn("bad record "+id,
		"text", "facts: 500103 19660704 1934",
		"err", errors.New("decode: value 500103196607041934"),
		"int", int64(500103196607041934),
		"bytes", []byte(`{"id":"`+id+`"}`),
		"struct", holder{"王小明", id},
		slog.Group("inner", "id", "５００１０３１９６６０７０４１９３４"),
		"record", "rec_i7qxaknbhhq543libxbqrqn7", "count", 3, "amount", int64(134403056544822217))
	out := buf.String()
	if found := FindCitizenIDs(out); len(found) > 0 {
		t.Errorf("the log shows %q:\n%s", found, out)
	}
	for _, want := range []string{`msg="bad record 5001**********1934"`, `with=证件5001**********1934`,
		`g.text="facts: 5001** ******** 1934"`, `g.err="decode: value 5001**********1934"`, `g.int=5001**********1934`,
		`g.struct="{Name:王小明 IDNumber:5001**********1934}"`, `g.inner.id=５００１**********１９３４`,
		`g.record=rec_i7qxaknbhhq543libxbqrqn7`, `g.count=3`, `g.amount=134403056544822217`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
}

// forms are ways of writing an ID number that must all be masked.
var forms = []func(string) string{
	func(s string) string { return s },
	func(s string) string { return s[:6] + " " + s[6:14] + " " + s[14:] },
	func(s string) string { return s[:6] + "-" + s[6:14] + "-" + s[14:] },
	func(s string) string { return strings.Join(strings.Split(s, ""), "\u200b") },
	func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == 'X' {
				return 'ｘ'
			}
			return r - '0' + '０'
		}, s)
	},
}

// FuzzMaskText: however an ID number is written and whatever surrounds it,
// it is found, and nothing that could be found is left after masking.
func FuzzMaskText(f *testing.F) {
	f.Add("身份证号", "。", uint64(1))
	f.Add("1", "7", uint64(2))
	f.Add("５ ", "- x", uint64(3))
	f.Add("", "", uint64(4))
	f.Fuzz(func(t *testing.T, prefix, suffix string, seed uint64) {
		number := NewCitizenID(rand.New(rand.NewPCG(seed, seed)))
		for _, form := range forms {
			s := prefix + form(number) + suffix
			if !slices.Contains(FindCitizenIDs(s), number) {
				t.Fatalf("FindCitizenIDs(%q) = %q, which lacks %s", s, FindCitizenIDs(s), number)
			}
			masked := MaskText(s)
			if left := FindCitizenIDs(masked); len(left) > 0 {
				t.Fatalf("MaskText(%q) = %q, which still shows %q", s, masked, left)
			}
			if utf8.RuneCountInString(masked) != utf8.RuneCountInString(s) {
				t.Fatalf("MaskText(%q) = %q: another number of characters", s, masked)
			}
			if again := MaskText(masked); again != masked {
				t.Fatalf("MaskText(%q) = %q, masked again %q", s, masked, again)
			}
		}
	})
}

func BenchmarkMaskPayload(b *testing.B) {
	data := []byte(`{"subject":{"name":"王小明","id_number":"500103196607041934"},"decision":{"document_no":"示交罚〔2025〕0042号","date":"2025-06-03","authority":{"name":"示例市交通运输局","credit_code":"11500103540776846N"}},"legal_basis":"《中华人民共和国道路运输条例》第六十三条","severity":"general","penalty_types":["warning","fine"],"amount_yuan":5000,"facts":"未取得道路运输经营许可，擅自从事道路客运经营。"}`)
	for b.Loop() {
		_ = MaskPayload(data)
	}
}
