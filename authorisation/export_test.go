package authorisation

// SignPayload signs an already encoded payload, for tests of what Parse
// does with well-signed nonsense.
func SignPayload(key []byte, encoded string) string {
	return encoded + "." + b64.EncodeToString(mac(key, encoded))
}
