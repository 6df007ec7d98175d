package ident

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors returned, wrapped, by CheckCitizenID.
var (
	// ErrIDLength: the number is not 18 characters long.
	ErrIDLength = errors.New("citizen id number must be 18 characters long")
	// ErrIDDigits: the first 17 characters are not digits, the first digit is 0,
	// or the check character is neither a digit nor an uppercase X.
	ErrIDDigits = errors.New("citizen id number must be 17 digits, the first not 0, followed by a digit or X")
	// ErrIDBirthDate: characters 7 to 14 are not a calendar date between
	// 1900-01-01 and today.
	ErrIDBirthDate = errors.New("citizen id number has an impossible birth date")
	// ErrIDCheck: the check character does not match the first 17 digits.
	ErrIDCheck = errors.New("citizen id number check character does not match")
)

const (
	idLength     = 18
	idCheckChars = "10X98765432" // indexed by the weighted sum mod 11
)

// idWeights are 2^(17-i) mod 11, the ISO 7064 MOD 11-2 weights.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// chinaTime is the zone in which birth dates are written; a fixed offset needs
// no time zone database.
var chinaTime = time.FixedZone("UTC+8", 8*60*60)

// CheckCitizenID reports whether s is a well-formed GB 11643-1999 citizen ID
// number: 17 digits, the first of them 1-9, whose characters 7 to 14 are a
// birth date (YYYYMMDD, from 1900 up to today in China), followed by the
// ISO 7064 MOD 11-2 check character (a digit or an uppercase X).
//
// It returns nil or an error wrapping exactly one of ErrIDLength, ErrIDDigits,
// ErrIDBirthDate and ErrIDCheck, checked in that order. The error may name a
// character position but never contains s.
func CheckCitizenID(s string) error {
	if len(s) != idLength {
		return ErrIDLength
	}
	for i := range idLength - 1 {
		if !isDigit(s[i]) {
			return fmt.Errorf("%w: character %d is not a digit", ErrIDDigits, i+1)
		}
	}
	if s[0] == '0' {
		return fmt.Errorf("%w: the region code cannot start with 0", ErrIDDigits)
	}
	if c := s[idLength-1]; !isDigit(c) && c != 'X' {
		return fmt.Errorf("%w: the check character must be a digit or an uppercase X", ErrIDDigits)
	}
	if !validBirthDate(s[6:14], time.Now()) {
		return ErrIDBirthDate
	}
	if s[idLength-1] != citizenIDCheck(s[:idLength-1]) {
		return ErrIDCheck
	}
	return nil
}

// citizenIDCheck returns the check character of 17 digits.
func citizenIDCheck(digits string) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(digits[i]-'0') * w
	}
	return idCheckChars[sum%11]
}

// validBirthDate reports whether the 8 digits yyyymmdd are a real date from
// 1900-01-01 up to the date of now in China.
func validBirthDate(yyyymmdd string, now time.Time) bool {
	d, err := time.ParseInLocation("20060102", yyyymmdd, chinaTime)
	if err != nil || d.Year() < 1900 {
		return false
	}
	y, m, day := now.In(chinaTime).Date()
	return !d.After(time.Date(y, m, day, 0, 0, 0, 0, chinaTime))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// MaskCitizenID returns s with all but its first 4 and last 4 characters
// replaced by stars, as in 1101**********123X, for logs and public pages.
// A string that is not exactly 18 characters long is starred entirely, one
// star per character, so that a malformed number never leaks either.
func MaskCitizenID(s string) string {
	n := utf8.RuneCountInString(s)
	if n != idLength {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:4]) + strings.Repeat("*", idLength-8) + string(r[idLength-4:])
}
