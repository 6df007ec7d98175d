// Package ident checks and masks the identifiers that credit records carry:
// the 18-character citizen ID number of a person (GB 11643-1999, with its
// ISO 7064 MOD 11-2 check character) and the 18-character unified social
// credit code of an organisation (GB 32100-2015, with its mod-31 check
// character).
//
// The checks go beyond pattern matching: they verify the check character,
// the birth date embedded in a citizen ID number and the alphabet of a credit
// code. Failures wrap a small set of exported sentinel errors, so callers can
// branch with errors.Is, and name the character position and the rule
// broken (Reason gives that clause alone). No error message ever contains
// the number checked.
//
// NormalizeCitizenID and NormalizeCreditCode are the one rule by which the
// hub reads an identifier, at every door that takes one: they rewrite what
// is unambiguous (white space around it, full-width characters, a lowercase
// check character or letters, a 15-digit first-generation ID number) into
// the form the hub keeps, report each rewriting by a stable rule code, and
// then check the result. CheckCitizenID and CheckCreditCode check a value
// already in that form.
//
// MaskText, MaskPayload and MaskLogs are the one rule by which the hub
// masks ID numbers for every reader not entitled to them in full: in free
// text, in every string, key and number of a JSON payload, and in logs.
// They find a number by its shape, however it is written (full-width
// digits, spaces, hyphens, inside a longer run of digits), not by its check
// character; see mask.go. FindCitizenIDs lists what they would mask.
//
// NewCitizenID and NewCreditCode produce synthetic, valid identifiers for
// tests, fixtures and demonstrations; they never describe real people.
//
// All functions are safe for concurrent use.
package ident
