// Package param reads the parameters of requests — path segments and query
// values — by one rule for each kind, so that every handler refuses the
// same values and the API document can state the same limits.
package param
