// Package kafkasrc reads a department's own Kafka topic of envelopes, one
// JSON envelope per message value, and answers each on a reply topic the
// department names.
//
// The connector reads the topic as a member of a consumer group, hands what
// arrived to the intake a batch at a time, publishes one reply per message
// (keyed as the message, acknowledged by every in-sync replica) and only then
// commits the batch's offsets. A message that is not an envelope gets a
// rejected reply like any invalid envelope; it never stops the stream.
//
// Replies are at least once: after an abrupt stop the group resumes from its
// committed offsets, so the messages read after them are submitted again
// (their records come back unchanged, at the same version) and answered a
// second time. The topic, partition and offset a reply carries identify the
// message it answers; a department deduplicates by them.
package kafkasrc
