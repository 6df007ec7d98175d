package cli

import (
	"flag"
	"os"

	"github.com/credex/credex/pipeline"
)

// kafkaSecurity are the flags of how the hub reaches a secured Kafka.
type kafkaSecurity struct {
	tls                 bool
	ca, cert, key       string
	mechanism, username string
}

func (k *kafkaSecurity) register(fs *flag.FlagSet) {
	fs.BoolVar(&k.tls, "kafka-tls", false, "connect to Kafka over TLS (CREDEX_KAFKA_TLS)")
	fs.StringVar(&k.ca, "kafka-tls-ca", "", "PEM `file` of the CAs Kafka's certificates are checked against; default the system's (CREDEX_KAFKA_TLS_CA)")
	fs.StringVar(&k.cert, "kafka-tls-cert", "", "PEM `file` of the client certificate, for brokers that require one (CREDEX_KAFKA_TLS_CERT)")
	fs.StringVar(&k.key, "kafka-tls-key", "", "PEM `file` of the client certificate's key (CREDEX_KAFKA_TLS_KEY)")
	fs.StringVar(&k.mechanism, "kafka-sasl-mechanism", "", "SASL `mechanism`: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512, over TLS only; the password is read from CREDEX_KAFKA_SASL_PASSWORD (CREDEX_KAFKA_SASL_MECHANISM)")
	fs.StringVar(&k.username, "kafka-sasl-username", "", "SASL `user` name (CREDEX_KAFKA_SASL_USERNAME)")
}

// security is what the flags say, with the password from the environment
// (a flag's value shows in the process list).
func (k *kafkaSecurity) security() pipeline.Security {
	return pipeline.Security{TLS: k.tls, CAFile: k.ca, CertFile: k.cert, KeyFile: k.key,
		SASLMechanism: k.mechanism, Username: k.username, Password: os.Getenv("CREDEX_KAFKA_SASL_PASSWORD")}
}
