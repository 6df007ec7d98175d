// Package idtoken is how a person, the subject of credit records, proves
// who they are: with an OpenID Connect ID token from the one identity
// provider the hub trusts, whose claims carry the person's citizen ID
// number and name as the provider verified them. A name and an ID number
// alone prove nothing: many people know them.
//
// A Verifier checks a token's signature against the provider's published
// keys (found by discovery or configured), its issuer, audience, signature
// algorithm and validity period, and returns the Person it names. The API
// puts that person into the request's context (With); Subject is the one
// check of what a request says about the person it acts for, which every
// endpoint that acts for a person calls: objections and repair applications
// (package casework), authorisations and the access log (package api).
package idtoken
