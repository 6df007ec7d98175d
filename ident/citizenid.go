package ident

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors returned, wrapped, by CheckCitizenID and NormalizeCitizenID.
var (
	// ErrIDLength: the number is not 18 characters long (nor, for
	// NormalizeCitizenID, 15).
	ErrIDLength = errors.New("citizen id number has the wrong number of characters")
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
	idLength       = 18
	legacyIDLength = 15            // a first-generation number: no century, no check character
	idCheckChars   = "10X98765432" // indexed by the weighted sum mod 11
)

// idWeights are 2^(17-i) mod 11, the ISO 7064 MOD 11-2 weights.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// chinaTime is the zone in which birth dates are written; a fixed offset needs
// no time zone database.
var chinaTime = time.FixedZone("UTC+8", 8*60*60)

// CheckCitizenID reports whether s is a well-formed GB 11643-1999 citizen ID
// number written as the hub keeps it: 17 ASCII digits, the first of them
// 1-9, whose characters 7 to 14 are a birth date (YYYYMMDD, from 1900 up to
// today in China), followed by the ISO 7064 MOD 11-2 check character (a
// digit or an uppercase X). It checks a value as it is; what people and
// departments send goes through NormalizeCitizenID, which writes it so
// first.
//
// It returns nil or an error wrapping exactly one of ErrIDLength, ErrIDDigits,
// ErrIDBirthDate and ErrIDCheck, checked in that order. The error names the
// character position and the rule broken (see Reason) but never contains
// s or any character of it.
func CheckCitizenID(s string) error {
	if n := utf8.RuneCountInString(s); n != idLength {
		return idLengthError(n, false)
	}
	for i, c := range []rune(s)[:idLength-1] {
		if !isDigit(c) {
			return &checkError{ErrIDDigits, fmt.Sprintf("character %d is not a digit", i+1)}
		}
	}
	if s[0] == '0' {
		return &checkError{ErrIDDigits, "character 1, the first of the region code, is 0, which no region code starts with"}
	}
	if c, _ := utf8.DecodeLastRuneInString(s); !isDigit(c) && c != 'X' {
		return &checkError{ErrIDDigits, "character 18, the check character, is neither a digit nor an uppercase X"}
	}
	switch birthDate(s[6:14], time.Now()) {
	case notADate:
		return &checkError{ErrIDBirthDate, "characters 7 to 14 are not a birth date (YYYYMMDD) from 1900-01-01 up to today"}
	case future:
		return &checkError{ErrIDBirthDate, "characters 7 to 14 are a birth date later than today"}
	}
	if s[idLength-1] != citizenIDCheck(s[:idLength-1]) {
		return &checkError{ErrIDCheck, "character 18, the check character, does not match characters 1 to 17 (ISO 7064 MOD 11-2); look for a mistyped digit"}
	}
	return nil
}

// idLengthError is the error of a number of n characters.
func idLengthError(n int, legacyAllowed bool) error {
	want := "an ID number has 18"
	if legacyAllowed {
		want += " (or 15 for a first-generation number)"
	}
	return &checkError{ErrIDLength, fmt.Sprintf("it has %d %s; %s", n, plural(n, "character"), want)}
}

// citizenIDCheck returns the check character of 17 digits.
func citizenIDCheck(digits string) byte {
	sum := 0
	for i, w := range idWeights {
		sum += int(digits[i]-'0') * w
	}
	return idCheckChars[sum%11]
}

// dateVerdict is what birthDate makes of 8 digits.
type dateVerdict int

const (
	validDate dateVerdict = iota
	notADate              // not a calendar date, or before 1900
	future                // a date after today in China
)

// birthDate judges the 8 digits yyyymmdd as a birth date: a real date from
// 1900-01-01 up to the date of now in China.
func birthDate(yyyymmdd string, now time.Time) dateVerdict {
	d, err := time.ParseInLocation("20060102", yyyymmdd, chinaTime)
	if err != nil || d.Year() < 1900 {
		return notADate
	}
	y, m, day := now.In(chinaTime).Date()
	if d.After(time.Date(y, m, day, 0, 0, 0, 0, chinaTime)) {
		return future
	}
	return validDate
}

func isDigit[T rune | byte](c T) bool { return '0' <= c && c <= '9' }

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

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
