package kafkasrc

import (
	"encoding/json"
	"fmt"

	"github.com/segmentio/kafka-go"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/intake"
)

// Reply is the value of the message that answers one envelope on the reply
// topic. The message is keyed as the envelope's message and has the headers
// HeaderConnector and HeaderSubmission.
type Reply struct {
	// Topic, Partition and Offset locate the envelope's message; a second
	// reply with the same three answers the same message again.
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	// SourceID is the envelope's source_id, when it had one.
	SourceID string `json:"source_id,omitempty"`
	// Status is accepted or rejected.
	Status   string `json:"status"`
	RecordID string `json:"record_id,omitempty"`
	Version  int    `json:"version,omitempty"`
	// Unchanged: the record already had this content at this version.
	Unchanged bool `json:"unchanged,omitempty"`
	// Errors lists the problems of a rejected envelope, with pointers into
	// the envelope.
	Errors []catalog.FieldError `json:"errors,omitempty"`
	// ErrorsOmitted counts the errors left out of a reply that would have
	// been longer than MaxReplyBytes.
	ErrorsOmitted int `json:"errors_omitted,omitempty"`
}

// Headers of a reply.
const (
	// HeaderConnector names the connector that read the envelope.
	HeaderConnector = "credex-connector"
	// HeaderSubmission is the id of the submission the envelope was part
	// of, as in the hub's logs and rejected topic.
	HeaderSubmission = "credex-submission-id"
)

// MaxReplyBytes bounds the value of a reply, well below the 1 MiB Kafka
// takes by default: a longer one keeps its first errors, clipped, and
// leaves out a long source_id.
const MaxReplyBytes = intake.MaxRejectionBytes

// maxSourceIDBytes is the longest source_id kept in a reply cut to fit.
const maxSourceIDBytes = 512

// replies returns the message answering each of msgs, whose receipts res
// holds in the same order, for topic.
func replies(topic, connector string, msgs []kafka.Message, res *intake.Result) ([]kafka.Message, error) {
	out := make([]kafka.Message, len(msgs))
	for i, m := range msgs {
		rc := res.Receipts[i]
		r := Reply{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, SourceID: sourceID(m.Value),
			Status: rc.Status, RecordID: rc.RecordID, Version: rc.Version, Unchanged: rc.Unchanged, Errors: rc.Errors}
		v, err := json.Marshal(r)
		if err == nil && len(v) > MaxReplyBytes {
			r.Errors, r.ErrorsOmitted = intake.ClipErrors(r.Errors)
			if len(r.SourceID) > maxSourceIDBytes {
				r.SourceID = ""
			}
			v, err = json.Marshal(r)
		}
		if err != nil {
			return nil, fmt.Errorf("encode reply to %s/%d/%d: %w", m.Topic, m.Partition, m.Offset, err)
		}
		out[i] = kafka.Message{Topic: topic, Key: m.Key, Value: v, Headers: []kafka.Header{
			{Key: HeaderConnector, Value: []byte(connector)},
			{Key: HeaderSubmission, Value: []byte(res.SubmissionID)},
		}}
	}
	return out, nil
}

// sourceID returns the source_id of an envelope, or "" when it has none or
// is no envelope.
func sourceID(value []byte) string {
	var env struct {
		SourceID json.RawMessage `json:"source_id"`
	}
	var s string
	if json.Unmarshal(value, &env) != nil || json.Unmarshal(env.SourceID, &s) != nil {
		return ""
	}
	return s
}
