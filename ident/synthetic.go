package ident

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// regions are real county-level administrative division codes (GB/T 2260),
// so that synthetic identifiers look like the ones the hub receives.
var regions = []string{
	"110101", // Beijing, Dongcheng
	"110105", // Beijing, Chaoyang
	"310101", // Shanghai, Huangpu
	"310115", // Shanghai, Pudong
	"320102", // Nanjing, Xuanwu
	"330106", // Hangzhou, Xihu
	"420106", // Wuhan, Wuchang
	"440103", // Guangzhou, Liwan
	"440305", // Shenzhen, Nanshan
	"500103", // Chongqing, Yuzhong
	"510104", // Chengdu, Jinjiang
	"610113", // Xi'an, Yanta
}

// organisationKinds pairs a registration authority with one of its
// organisation categories: government bodies and public institutions (1x),
// social organisations (5x), enterprises and individual businesses (9x).
var organisationKinds = []string{"11", "12", "13", "51", "52", "53", "91", "92", "93"}

var (
	firstBirth = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	lastBirth  = time.Date(2005, 12, 31, 0, 0, 0, 0, time.UTC)
)

// NewCitizenID returns a synthetic, valid citizen ID number drawn from r: a
// real region code, a birth date from 1950 to 2005, a random sequence number
// and the matching check character. It describes no real person. It is as
// safe for concurrent use as r is.
func NewCitizenID(r *rand.Rand) string {
	days := int(lastBirth.Sub(firstBirth).Hours()/24) + 1
	birth := firstBirth.AddDate(0, 0, r.IntN(days))
	body := fmt.Sprintf("%s%s%03d", regions[r.IntN(len(regions))], birth.Format("20060102"), 1+r.IntN(999))
	return body + string(citizenIDCheck(body))
}

// NewCreditCode returns a synthetic, valid unified social credit code drawn
// from r: a common authority and category pair, a real region code, a
// numeric organisation code with its GB 11714 check character and the
// matching mod-31 check character. It is as safe for concurrent use as r is.
func NewCreditCode(r *rand.Rand) string {
	org := fmt.Sprintf("%08d", r.IntN(100_000_000))
	body := organisationKinds[r.IntN(len(organisationKinds))] + regions[r.IntN(len(regions))] + org + string(organisationCodeCheck(org))
	return body + string(creditCodeCheck(body))
}

// organisationCodeCheck returns the GB 11714 check character of 8 digits.
func organisationCodeCheck(digits string) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}
