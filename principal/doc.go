// Package principal describes who talks to the hub: departments that publish
// records, agencies that subscribe, catalogue maintainers and operators. Each
// principal authenticates with an API key, a client certificate over mutual
// TLS, or either; only the SHA-256 of a key or certificate is stored.
package principal
