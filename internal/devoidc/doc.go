// Package devoidc is a small OpenID Connect identity provider for `credex
// dev` and the tests, never for `credex serve`: it signs ID tokens for
// synthetic people, naming them by a citizen ID number and a name as a real
// provider would after checking them, with an RSA key it generates when it
// starts and keeps in memory only. It serves its discovery document, its
// key set, a token endpoint and an authorization endpoint (the code flow
// with PKCE, whose form names the synthetic person) under its issuer URL
// (credex dev: /dev/oidc
// on the hub's own address), and a hub trusts it as it would trust any
// provider (package idtoken).
package devoidc
