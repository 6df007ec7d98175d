package ident

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned, wrapped, by CheckCreditCode.
var (
	// ErrCodeLength: the code is not 18 characters long.
	ErrCodeLength = errors.New("unified social credit code must be 18 characters long")
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
// social credit code: 18 characters of the alphabet 0-9 A-Y without I, O, S,
// V and Z, namely a registration authority (any but 0), an organisation
// category, a 6-digit administrative division, a 9-character organisation
// identifier and a mod-31 check character.
//
// It returns nil or an error wrapping exactly one of ErrCodeLength,
// ErrCodeChars and ErrCodeCheck, checked in that order. The error may name a
// character position but never contains s.
func CheckCreditCode(s string) error {
	if len(s) != codeLength {
		return ErrCodeLength
	}
	for i := range codeLength {
		if strings.IndexByte(codeAlphabet, s[i]) < 0 {
			return fmt.Errorf("%w: character %d is not a digit or an uppercase letter other than I, O, S, V and Z", ErrCodeChars, i+1)
		}
	}
	if s[0] == '0' {
		return fmt.Errorf("%w: the registration authority cannot be 0", ErrCodeChars)
	}
	for i := 2; i < 8; i++ {
		if !isDigit(s[i]) {
			return fmt.Errorf("%w: character %d of the administrative division is not a digit", ErrCodeChars, i+1)
		}
	}
	if s[codeLength-1] != creditCodeCheck(s[:codeLength-1]) {
		return ErrCodeCheck
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
