package hub

// Topics are the topics the hub creates at start (every topic it writes
// but the delivery topics, which come with their subscriptions).
func (h *Hub) Topics() []string { return h.topics() }
