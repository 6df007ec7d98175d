package param

import "strconv"

// Int reads s as a whole number from min to max, written in decimal digits
// only (no sign, no spaces). It reports false for anything else, a number
// too large for any integer type included, so that no out-of-range value
// reaches a query.
func Int(s string, min, max int64) (int64, bool) {
	if s == "" {
		return 0, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		return 0, false
	}
	return n, true
}
