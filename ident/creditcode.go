package ident

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Errors returned, wrapped, by CheckCreditCode and NormalizeCreditCode.
var (
	// ErrCodeLength: the code is not 18 characters long.
	ErrCodeLength = errors.New("unified social credit code has the wrong number of characters")
	// ErrCodeChars: a character is outside the code's alphabet (digits and
	// uppercase letters without I, O, S, V and Z), the registration authority
	// is 0, or the administrative division (characters 3 to 8) is not digits.
	ErrCodeChars = errors.New("unified social credit code has a character that is not allowed there")
	// ErrCodeCheck: the check character does not match the first 17 characters.
	ErrCodeCheck = errors.New("unified social credit code check character does not match")
)

const (
	codeLength = 18
	// codeAlphabet lists the characters of a credit code; a character's
	// value is its index.
	codeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
)

// codeWeights are 3^i mod 31.
var codeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode reports whether s is a well-formed GB 32100-2015 unified
// social credit code as the hub keeps it: 18 characters of the alphabet 0-9
// A-Y without I, O, S, V and Z, namely a registration authority (any but
// 0), an organisation category, a 6-digit administrative division, a
// 9-character organisation identifier and a mod-31 check character. It
// checks a value as it is; what departments send goes through
// NormalizeCreditCode, which writes it so first.
//
// It returns nil or an error wrapping exactly one of ErrCodeLength,
// ErrCodeChars and ErrCodeCheck, checked in that order. The error names the
// character position and the rule broken (see Reason) but never contains s
// or any character of it.
func CheckCreditCode(s string) error {
	if n := utf8.RuneCountInString(s); n != codeLength {
		return &checkError{ErrCodeLength, fmt.Sprintf("it has %d %s; a unified social credit code has 18", n, plural(n, "character"))}
	}
	for i, c := range []rune(s) {
		if c >= utf8.RuneSelf || strings.IndexByte(codeAlphabet, byte(c)) < 0 {
			return &checkError{ErrCodeChars, fmt.Sprintf("character %d is not a digit or an uppercase letter other than I, O, S, V and Z", i+1)}
		}
	}
	if s[0] == '0' {
		return &checkError{ErrCodeChars, "character 1, the registration authority, is 0, which no authority is"}
	}
	for i := 2; i < 8; i++ {
		if !isDigit(s[i]) {
			return &checkError{ErrCodeChars, fmt.Sprintf("character %d is not a digit, as the administrative division (characters 3 to 8) must be", i+1)}
		}
	}
	if s[codeLength-1] != creditCodeCheck(s[:codeLength-1]) {
		return &checkError{ErrCodeCheck, "character 18, the check character, does not match characters 1 to 17 (GB 32100-2015, mod 31); look for a mistyped character"}
	}
	return nil
}

// creditCodeCheck returns the check character of 17 alphabet characters.
func creditCodeCheck(body string) byte {
	sum := 0
	for i, w := range codeWeights {
		sum += strings.IndexByte(codeAlphabet, body[i]) * w
	}
	return codeAlphabet[(31-sum%31)%31]
}
