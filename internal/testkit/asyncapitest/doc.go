// Package asyncapitest checks Kafka messages against an AsyncAPI 3 document:
// that a topic is one of its channels, and that a message's value, key and
// headers are what the channel's message says.
//
// A channel's address may name parameters ({prefix}credex.records.{type});
// [Doc.Channel] matches a topic against it with the values a test knows
// (such as the topic prefix, which may be empty) filled in and the others
// standing for any text that is not empty and has no dot. Schemas are checked with gojsonschema against the
// whole document, so their $refs into components resolve. The value is
// checked when the message's content type is JSON; the key against the
// schema of the message's Kafka binding (bindings.kafka.key), and when the
// message has no key schema it must have no key; the headers, as an object
// of strings, against the message's headers schema, and when it has none
// there must be none.
package asyncapitest
