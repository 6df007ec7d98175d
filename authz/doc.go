// Package authz is the hub's authorisation matrix: which kind of principal
// may take which action, on which record types. Every handler asks it, so
// that who may do what is decided in one place and tested as a whole.
//
// The matrix speaks of kinds and record types only. Whether a principal
// owns the thing it acts on (its own record, objection, subscription or key)
// and whether an agency's sharing scope is entitled to a type are checked by
// the caller, after the matrix has allowed the action.
package authz
