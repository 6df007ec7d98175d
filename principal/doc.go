// Package principal describes who talks to the hub: departments that publish
// records, agencies that subscribe, catalogue maintainers and operators. Each
// principal authenticates with an API key; only the key's SHA-256 is stored.
package principal
