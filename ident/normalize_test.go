package ident

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// fullWidth writes the digits and letters of s in full width, as Chinese
// input methods type them.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

// legacyOf returns the 15-digit first-generation form of an 18-digit
// number of someone born in the 1900s.
func legacyOf(id string) string { return id[:6] + id[8:17] }

// withCheck appends the right check character to 17 digits.
func withCheck(body string) string { return body + string(citizenIDCheck(body)) }

// idBornIn1900s returns a synthetic number of someone born before 2000
// whose check character satisfies want.
func idBornIn1900s(r *rand.Rand, want func(check byte) bool) string {
	for {
		if id := NewCitizenID(r); id[6:8] == "19" && want(id[17]) {
			return id
		}
	}
}

// standardNames are the fixed texts of messages that hold runs of digits:
// the names of standards and the earliest birth date.
var standardNames = strings.NewReplacer("ISO 7064 MOD 11-2", "", "GB 32100-2015", "", "1900-01-01", "")

var digitRun = regexp.MustCompile(`\p{Nd}{3,}`)

// assertNoValue fails unless msg is free of the value in: neither the
// value nor any run of 3 digits or more other than the names of standards
// (positions and counts have at most 2 digits).
func assertNoValue(t *testing.T, msg, in string) {
	t.Helper()
	if v := strings.TrimSpace(in); v != "" && strings.Contains(msg, v) {
		t.Errorf("message %q contains the value", msg)
	}
	if run := digitRun.FindString(standardNames.Replace(msg)); run != "" {
		t.Errorf("message %q holds the digits %q", msg, run)
	}
}

func TestNormalizeCitizenID(t *testing.T) {
	t.Parallel()
	r := newRand(t)
	withX := idBornIn1900s(r, func(c byte) bool { return c == 'X' })
	plain := idBornIn1900s(r, func(c byte) bool { return c != 'X' })
	tomorrow := time.Now().In(chinaTime).AddDate(0, 0, 1).Format("20060102")
	badCheck := plain[:17] + string("0123456789"[(plain[17]-'0'+1)%10])

	tests := []struct {
		name   string
		in     string
		want   string   // the number as the hub keeps it, when valid
		rules  []string // the rewritings reported
		err    error    // the sentinel, when invalid
		reason string   // what the message says
	}{
		{name: "as the hub keeps it", in: plain, want: plain},
		{name: "lowercase x", in: withX[:17] + "x", want: withX, rules: []string{RuleLowercaseX}},
		{name: "spaces around", in: "  " + plain + " \t", want: plain, rules: []string{RuleTrimmedSpace}},
		{name: "ideographic space", in: "\u3000" + plain + "\u3000", want: plain, rules: []string{RuleTrimmedSpace}},
		{name: "full-width digits", in: fullWidth(plain), want: plain, rules: []string{RuleFullWidth}},
		{name: "full-width lowercase x", in: fullWidth(withX[:17] + "x"), want: withX, rules: []string{RuleFullWidth, RuleLowercaseX}},
		{name: "all at once", in: "\u3000" + fullWidth(withX[:17]) + "x ", want: withX,
			rules: []string{RuleTrimmedSpace, RuleFullWidth, RuleLowercaseX}},
		{name: "15-digit first generation number", in: legacyOf(plain), want: plain, rules: []string{RuleUpgraded15Digit}},
		{name: "15-digit number in full width", in: fullWidth(legacyOf(withX)), want: withX, rules: []string{RuleFullWidth, RuleUpgraded15Digit}},
		{name: "15-digit number born on february 30", in: plain[:6] + "900230" + plain[14:17], err: ErrIDBirthDate,
			reason: "read as a first-generation number of 15 digits, characters 7 to 12 are not a birth date"},
		{name: "15 characters with a letter", in: legacyOf(plain)[:14] + "X", err: ErrIDDigits,
			reason: "read as a first-generation number of 15 digits, character 15 is not a digit"},
		{name: "bad check character", in: badCheck, err: ErrIDCheck,
			reason: "character 18, the check character, does not match characters 1 to 17 (ISO 7064 MOD 11-2)"},
		{name: "february 30", in: withCheck(plain[:6] + "19900230" + plain[14:17]), err: ErrIDBirthDate,
			reason: "characters 7 to 14 are not a birth date (YYYYMMDD) from 1900-01-01 up to today"},
		{name: "born tomorrow", in: withCheck(plain[:6] + tomorrow + plain[14:17]), err: ErrIDBirthDate,
			reason: "characters 7 to 14 are a birth date later than today"},
		{name: "17 characters", in: plain[:17], err: ErrIDLength,
			reason: "it has 17 characters; an ID number has 18 (or 15 for a first-generation number)"},
		{name: "17 characters and spaces", in: " " + plain[:17] + " ", err: ErrIDLength, reason: "it has 17 characters"},
		{name: "empty", in: "", err: ErrIDLength, reason: "it has 0 characters"},
		{name: "letter inside", in: plain[:16] + "A" + plain[17:], err: ErrIDDigits, reason: "character 17 is not a digit"},
		{name: "space inside", in: plain[:6] + " " + plain[7:], err: ErrIDDigits, reason: "character 7 is not a digit"},
		{name: "lowercase x inside", in: plain[:9] + "x" + plain[10:], err: ErrIDDigits, reason: "character 10 is not a digit"},
		{name: "check letter other than X", in: plain[:17] + "Y", err: ErrIDDigits,
			reason: "character 18, the check character, is neither a digit nor an uppercase X"},
		{name: "region code starting with 0", in: withCheck("0" + plain[1:17]), err: ErrIDDigits, reason: "character 1, the first of the region code, is 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, applied, err := NormalizeCitizenID(tt.in)
			if tt.err == nil {
				if err != nil || got != tt.want {
					t.Fatalf("NormalizeCitizenID() = %q, %v; want %q", MaskCitizenID(got), err, MaskCitizenID(tt.want))
				}
				var rules []string
				for _, n := range applied {
					rules = append(rules, n.Rule)
					if n.Message == "" {
						t.Errorf("rule %s has no message", n.Rule)
					}
					assertNoValue(t, n.Message, tt.in)
				}
				if !slices.Equal(rules, tt.rules) {
					t.Errorf("rules = %v, want %v", rules, tt.rules)
				}
				return
			}
			if !errors.Is(err, tt.err) || got != "" || applied != nil {
				t.Fatalf("NormalizeCitizenID() = %q, %v, %v; want the error %v", MaskCitizenID(got), applied, err, tt.err)
			}
			if !strings.Contains(Reason(err), tt.reason) || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q, reason %q: want it to say %q", err, Reason(err), tt.reason)
			}
			assertNoValue(t, err.Error(), tt.in)
		})
	}
}

// Every number of someone born in the 1900s and its first-generation form
// are the same number once normalised.
func TestNormalizeCitizenIDUpgradesToTheSameNumber(t *testing.T) {
	t.Parallel()
	r := newRand(t)
	for range 2_000 {
		id := idBornIn1900s(r, func(byte) bool { return true })
		got, _, err := NormalizeCitizenID(legacyOf(id))
		if err != nil || got != id {
			t.Fatalf("NormalizeCitizenID(legacy form of %s) = %s, %v", MaskCitizenID(id), MaskCitizenID(got), err)
		}
	}
}

func TestNormalizeCreditCode(t *testing.T) {
	t.Parallel()
	code := NewCreditCode(newRand(t))
	const letters = "91350100M000100Y43" // the example of the standard, with letters
	tests := []struct {
		name   string
		in     string
		want   string
		rules  []string
		err    error
		reason string
	}{
		{name: "as the hub keeps it", in: code, want: code},
		{name: "lowercase letters", in: strings.ToLower(letters), want: letters, rules: []string{RuleLowercaseLetters}},
		{name: "spaces around", in: "\u3000" + code + " ", want: code, rules: []string{RuleTrimmedSpace}},
		{name: "full width", in: fullWidth(letters), want: letters, rules: []string{RuleFullWidth}},
		{name: "full-width lowercase", in: " " + fullWidth(strings.ToLower(letters)), want: letters,
			rules: []string{RuleTrimmedSpace, RuleFullWidth, RuleLowercaseLetters}},
		{name: "17 characters", in: code[:17], err: ErrCodeLength, reason: "it has 17 characters; a unified social credit code has 18"},
		{name: "letter I", in: "91350100I000100Y43", err: ErrCodeChars, reason: "character 9 is not a digit or an uppercase letter"},
		{name: "letter in the division", in: "913A0100M000100Y43", err: ErrCodeChars, reason: "character 4 is not a digit, as the administrative division"},
		{name: "authority 0", in: "0" + code[1:], err: ErrCodeChars, reason: "character 1, the registration authority, is 0"},
		{name: "wrong check character", in: "91350100M000100Y44", err: ErrCodeCheck, reason: "character 18, the check character, does not match characters 1 to 17"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, applied, err := NormalizeCreditCode(tt.in)
			if tt.err == nil {
				if err != nil || got != tt.want {
					t.Fatalf("NormalizeCreditCode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				var rules []string
				for _, n := range applied {
					rules = append(rules, n.Rule)
				}
				if !slices.Equal(rules, tt.rules) {
					t.Errorf("rules = %v, want %v", rules, tt.rules)
				}
				return
			}
			if !errors.Is(err, tt.err) || got != "" {
				t.Fatalf("NormalizeCreditCode(%q) = %q, %v; want the error %v", tt.in, got, err, tt.err)
			}
			if !strings.Contains(Reason(err), tt.reason) {
				t.Errorf("reason %q, want it to say %q", Reason(err), tt.reason)
			}
			assertNoValue(t, err.Error(), tt.in)
		})
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	if got := Reason(nil); got != "" {
		t.Errorf("Reason(nil) = %q", got)
	}
	other := errors.New("something else")
	if got := Reason(other); got != other.Error() {
		t.Errorf("Reason(other) = %q", got)
	}
	err := CheckCitizenID("1")
	if got := Reason(err); strings.Contains(got, ErrIDLength.Error()) || !strings.HasPrefix(err.Error(), ErrIDLength.Error()) {
		t.Errorf("Reason = %q of %q: want the clause without the sentinel", got, err)
	}
}
