// Package kafkatest connects tests to the real Kafka broker and inspects topics.
//
// Tests get the bootstrap addresses from [Brokers], name their topics with a
// [Prefix] of their own (so tests and packages running at the same time never
// share a topic), create them with [CreateTopic] (the broker does not create
// topics on first use), and check what reached a topic with [ReadAll].
//
// The broker comes from CREDEX_KAFKA_BROKERS, which deploy/local/test.sh sets
// after starting a local one. Without it the test fails rather than skips.
package kafkatest
