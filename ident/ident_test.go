package ident

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// newRand returns a deterministic source, so failures can be reproduced.
func newRand(t testing.TB) *rand.Rand {
	t.Helper()
	return rand.New(rand.NewPCG(11643, 32100))
}

func TestCheckCitizenID(t *testing.T) {
	t.Parallel()
	tomorrow := time.Now().In(chinaTime).AddDate(0, 0, 1).Format("20060102")
	future := "110101" + tomorrow + "001"
	future += string(citizenIDCheck(future))

	tests := []struct {
		name string
		in   string
		want error
	}{
		{"example of the standard", "11010519491231002X", nil},
		{"check digit 0", "110101199001010090", nil},
		{"check X", "11010119900101004X", nil},
		{"leap day", "110101200002290018", nil},
		{"empty", "", ErrIDLength},
		{"15-digit first generation number", "110105491231002", ErrIDLength},
		{"19 characters", "11010519491231002X0", ErrIDLength},
		{"6 characters of 18 bytes", "一二三四五六", ErrIDLength},
		{"18 characters, some not ASCII", "一1010519491231002X", ErrIDDigits},
		{"lowercase x", "11010519491231002x", ErrIDDigits},
		{"letter inside", "1101051949123100AX", ErrIDDigits},
		{"X inside", "11010519491231X02X", ErrIDDigits},
		{"region starting with 0", "010105194912310021", ErrIDDigits},
		{"space", " 1010519491231002X", ErrIDDigits},
		{"february 30", "110101199002300010", ErrIDBirthDate},
		{"month 13", "110101199013010010", ErrIDBirthDate},
		{"february 29 of 1900", "110101190002290010", ErrIDBirthDate},
		{"before 1900", "110101189912310010", ErrIDBirthDate},
		{"born tomorrow", future, ErrIDBirthDate},
		{"wrong check digit", "110105194912310021", ErrIDCheck},
		{"X where a digit is due", "11010119900101005X", ErrIDCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckCitizenID(tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckCitizenID(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckCitizenID(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q contains the number", err)
			}
		})
	}
}

func TestCheckCitizenIDSentinelsAreExclusive(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrIDLength, ErrIDDigits, ErrIDBirthDate, ErrIDCheck}
	for _, in := range []string{"", "11010519491231002x", "110101199002300010", "110105194912310021"} {
		n := 0
		for _, s := range sentinels {
			if errors.Is(CheckCitizenID(in), s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("CheckCitizenID(%q) matches %d sentinels, want 1", in, n)
		}
	}
}

func TestCheckCreditCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"example of the standard", "91350100M000100Y43", nil},
		{"government body", "11100000000013127D", nil},
		{"empty", "", ErrCodeLength},
		{"17 characters", "91350100M000100Y4", ErrCodeLength},
		{"lowercase", "91350100m000100Y43", ErrCodeChars},
		{"letter I", "91350100I000100Y43", ErrCodeChars},
		{"letter O", "91350100O000100Y43", ErrCodeChars},
		{"letter S", "91350100S000100Y43", ErrCodeChars},
		{"letter V", "91350100V000100Y43", ErrCodeChars},
		{"letter Z", "91350100Z000100Y43", ErrCodeChars},
		{"authority 0", "01350100M000100Y43", ErrCodeChars},
		{"letter in the division", "913A0100M000100Y43", ErrCodeChars},
		{"wrong check character", "91350100M000100Y44", ErrCodeCheck},
		{"transposed characters", "93150100M000100Y43", ErrCodeCheck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckCreditCode(tt.in)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckCreditCode(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckCreditCode(%q) = %v, want %v", tt.in, err, tt.want)
			}
			if tt.in != "" && strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q contains the code", err)
			}
		})
	}
}

func TestMaskCitizenID(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"11010519491231002X", "1101**********002X"},
		{"", ""},
		{"1101051949123", "*************"},
		{"11010519491231002X0", "*******************"},
		{"一二三四五六", "******"},
	}
	for _, tt := range tests {
		if got := MaskCitizenID(tt.in); got != tt.want {
			t.Errorf("MaskCitizenID(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGeneratedCitizenIDsAreValid(t *testing.T) {
	t.Parallel()
	r := newRand(t)
	for range 10_000 {
		id := NewCitizenID(r)
		if err := CheckCitizenID(id); err != nil {
			t.Fatalf("NewCitizenID() = %q, which fails: %v", id, err)
		}
		if y := id[6:10]; y < "1950" || y > "2005" {
			t.Fatalf("NewCitizenID() = %q, born outside 1950-2005", id)
		}
	}
}

func TestGeneratedCreditCodesAreValid(t *testing.T) {
	t.Parallel()
	r := newRand(t)
	for range 10_000 {
		if code := NewCreditCode(r); CheckCreditCode(code) != nil {
			t.Fatalf("NewCreditCode() = %q, which fails: %v", code, CheckCreditCode(code))
		}
	}
}

// Both check characters detect every single substitution: MOD 11-2 because 11
// is prime and no weight is 0 mod 11, mod 31 likewise. So changing any one
// character of a valid identifier into any other character must fail.
func TestSingleSubstitutionIsDetected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		generate func(*rand.Rand) string
		check    func(string) error
		chars    string
	}{
		{"citizen id", NewCitizenID, CheckCitizenID, "0123456789Xx A-"},
		{"credit code", NewCreditCode, CheckCreditCode, codeAlphabet + "IOSVZabc -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRand(t)
			for range 200 {
				valid := tt.generate(r)
				for i := range len(valid) {
					for _, c := range []byte(tt.chars) {
						if c == valid[i] {
							continue
						}
						changed := valid[:i] + string(c) + valid[i+1:]
						if tt.check(changed) == nil {
							t.Fatalf("%q (from %q, position %d) was accepted", changed, valid, i+1)
						}
					}
				}
			}
		})
	}
}

func FuzzCheckCitizenID(f *testing.F) {
	r := newRand(f)
	for range 20 {
		f.Add(NewCitizenID(r))
	}
	f.Add("11010519491231002x")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckCitizenID(s)
		if again := CheckCitizenID(s); (err == nil) != (again == nil) {
			t.Fatalf("CheckCitizenID(%q) gave %v, then %v", s, err, again)
		}
		if err != nil && len(s) == idLength && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains the number", err)
		}
		m := []rune(MaskCitizenID(s))
		hidden := m
		if len(m) == idLength {
			hidden = m[4 : idLength-4]
		}
		if strings.Trim(string(hidden), "*") != "" || len(m) != utf8.RuneCountInString(s) {
			t.Fatalf("MaskCitizenID(%q) = %q shows too much", s, string(m))
		}
	})
}

func FuzzCheckCreditCode(f *testing.F) {
	r := newRand(f)
	for range 20 {
		f.Add(NewCreditCode(r))
	}
	f.Add("91350100m000100Y43")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckCreditCode(s)
		if again := CheckCreditCode(s); (err == nil) != (again == nil) {
			t.Fatalf("CheckCreditCode(%q) gave %v, then %v", s, err, again)
		}
		if err == nil && strings.Trim(s, codeAlphabet) != "" {
			t.Fatalf("CheckCreditCode(%q) accepted a character outside the alphabet", s)
		}
		if err != nil && len(s) == codeLength && strings.Contains(err.Error(), s) {
			t.Fatalf("error %q contains the code", err)
		}
	})
}

func BenchmarkCheckCitizenID(b *testing.B) {
	id := NewCitizenID(newRand(b))
	for b.Loop() {
		_ = CheckCitizenID(id)
	}
}

func BenchmarkCheckCreditCode(b *testing.B) {
	code := NewCreditCode(newRand(b))
	for b.Loop() {
		_ = CheckCreditCode(code)
	}
}
