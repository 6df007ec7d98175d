package ident

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The rules by which NormalizeCitizenID and NormalizeCreditCode rewrite a
// value. They are stable: callers report them to departments, which branch
// on them.
const (
	// RuleTrimmedSpace: white space around the value, U+3000 ideographic
	// space included, was removed.
	RuleTrimmedSpace = "trimmed_space"
	// RuleFullWidth: full-width digits and letters (U+FF10 to U+FF19,
	// U+FF21 to U+FF3A, U+FF41 to U+FF5A), as Chinese input methods type
	// them, were read as their ASCII forms.
	RuleFullWidth = "full_width"
	// RuleLowercaseX: the check character of an ID number, a lowercase x,
	// was written as an uppercase X.
	RuleLowercaseX = "lowercase_x"
	// RuleUpgraded15Digit: a 15-digit first-generation ID number was
	// written as the 18-digit number of the same person: the century 19
	// inserted before the birth year, and the check character appended.
	RuleUpgraded15Digit = "upgraded_15_digit"
	// RuleLowercaseLetters: the lowercase letters of a credit code were
	// written in upper case.
	RuleLowercaseLetters = "lowercase_letters"
)

// A Normalization is one rewriting a Normalize function applied.
type Normalization struct {
	// Rule is one of the Rule constants.
	Rule string
	// Message is an English sentence saying what was rewritten. It never
	// contains the value.
	Message string
}

var ruleMessages = map[string]string{
	RuleTrimmedSpace:     "White space around the value was removed.",
	RuleFullWidth:        "Full-width digits or letters were read as their ASCII forms.",
	RuleLowercaseX:       "The check character, a lowercase x, was written as an uppercase X.",
	RuleUpgraded15Digit:  "The 15-digit first-generation ID number was upgraded to its 18-digit form: century 19 inserted before the birth year and the check character appended.",
	RuleLowercaseLetters: "Lowercase letters were written in upper case.",
}

func normalization(rule string) Normalization {
	return Normalization{Rule: rule, Message: ruleMessages[rule]}
}

// NormalizeCitizenID is the one rule by which the hub reads a citizen ID
// number, wherever one is given to it. It rewrites what is unambiguous and
// then checks the result with CheckCitizenID:
//
//   - white space around the number (unicode.IsSpace, U+3000 included) is
//     removed;
//   - full-width digits and Ｘ or ｘ are read as ASCII;
//   - a lowercase x as the 18th character, the check character, is read as X;
//   - a valid 15-digit first-generation number (a region code, a birth date
//     YYMMDD of the 1900s and a 3-digit sequence number) is upgraded to
//     the 18-digit number of the same person, as GB 11643-1999 prescribes:
//     19 is inserted before the birth year and the MOD 11-2 check character
//     appended.
//
// Nothing else is rewritten: spaces or hyphens inside a number, other
// letters and other scripts are errors. It returns the number as the hub
// keeps it and the rewritings applied, in the order above, or an error
// wrapping one of ErrIDLength, ErrIDDigits, ErrIDBirthDate and ErrIDCheck
// that names the character position (counted once the surrounding white
// space is removed) and the rule broken, and never contains s or any
// character of it. On error the returned number is "".
func NormalizeCitizenID(s string) (string, []Normalization, error) {
	var applied []Normalization
	t, trimmed := trimSpace(s)
	if trimmed {
		applied = append(applied, normalization(RuleTrimmedSpace))
	}
	t, wide := narrow(t, false)
	if wide {
		applied = append(applied, normalization(RuleFullWidth))
	}
	switch utf8.RuneCountInString(t) {
	case idLength:
		if strings.HasSuffix(t, "x") {
			t = t[:len(t)-1] + "X"
			applied = append(applied, normalization(RuleLowercaseX))
		}
	case legacyIDLength:
		up, err := upgradeLegacyID(t, time.Now())
		if err != nil {
			return "", nil, err
		}
		t = up
		applied = append(applied, normalization(RuleUpgraded15Digit))
	default:
		return "", nil, idLengthError(utf8.RuneCountInString(t), true)
	}
	if err := CheckCitizenID(t); err != nil {
		return "", nil, err
	}
	return t, applied, nil
}

// upgradeLegacyID returns the 18-digit number of the 15-character
// first-generation number s, or the error that says why s is not one.
func upgradeLegacyID(s string, now time.Time) (string, error) {
	const read = "read as a first-generation number of 15 digits, "
	for i, c := range []rune(s) {
		if !isDigit(c) {
			return "", &checkError{ErrIDDigits, fmt.Sprintf(read+"character %d is not a digit", i+1)}
		}
	}
	if s[0] == '0' {
		return "", &checkError{ErrIDDigits, read + "character 1, the first of the region code, is 0, which no region code starts with"}
	}
	if birthDate("19"+s[6:12], now) != validDate {
		return "", &checkError{ErrIDBirthDate, read + "characters 7 to 12 are not a birth date written YYMMDD"}
	}
	body := s[:6] + "19" + s[6:]
	return body + string(citizenIDCheck(body)), nil
}

// NormalizeCreditCode is the one rule by which the hub reads a unified
// social credit code. It removes white space around the code, reads
// full-width digits and letters as ASCII and writes lowercase letters in
// upper case, and then checks the result with CheckCreditCode. It returns
// the code as the hub keeps it and the rewritings applied, or an error as
// CheckCreditCode's, whose positions are counted once the surrounding white
// space is removed. On error the returned code is "".
func NormalizeCreditCode(s string) (string, []Normalization, error) {
	var applied []Normalization
	t, trimmed := trimSpace(s)
	if trimmed {
		applied = append(applied, normalization(RuleTrimmedSpace))
	}
	t, wide := narrow(t, true)
	if wide {
		applied = append(applied, normalization(RuleFullWidth))
	}
	if up := upperASCII(t); up != t {
		t = up
		applied = append(applied, normalization(RuleLowercaseLetters))
	}
	if err := CheckCreditCode(t); err != nil {
		return "", nil, err
	}
	return t, applied, nil
}

// trimSpace removes white space around s and reports whether there was any.
func trimSpace(s string) (string, bool) {
	t := strings.TrimFunc(s, unicode.IsSpace)
	return t, t != s
}

// narrow rewrites the full-width digits of s, and the full-width letters X
// and x or, with letters, every full-width Latin letter, as ASCII, and
// reports whether it rewrote any.
func narrow(s string, letters bool) (string, bool) {
	wide := func(r rune) bool {
		switch {
		case '０' <= r && r <= '９', r == 'Ｘ', r == 'ｘ':
			return true
		case letters:
			return 'Ａ' <= r && r <= 'Ｚ' || 'ａ' <= r && r <= 'ｚ'
		}
		return false
	}
	if strings.IndexFunc(s, wide) < 0 {
		return s, false
	}
	return strings.Map(func(r rune) rune {
		if wide(r) {
			return r - '０' + '0'
		}
		return r
	}, s), true
}

// upperASCII writes the ASCII letters of s in upper case, and leaves every
// other character as it is.
func upperASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// checkError is a failed check: the rule broken, one of the sentinel
// errors, and a clause naming the position.
type checkError struct {
	sentinel error
	reason   string
}

func (e *checkError) Error() string { return e.sentinel.Error() + ": " + e.reason }
func (e *checkError) Unwrap() error { return e.sentinel }

// Reason returns the clause of an error of this package that names the
// position and the rule broken, such as "character 17 is not a digit", for
// a message that says which value it is about, as in "id_number is not a
// valid citizen ID number: " + Reason(err). It never contains the value
// checked. For any other error it returns err.Error(), and "" for nil.
func Reason(err error) string {
	if ce, ok := errors.AsType[*checkError](err); ok {
		return ce.reason
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
