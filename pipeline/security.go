package pipeline

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Security says how the hub protects its connections to Kafka and proves
// who it is: TLS, optionally with a client certificate, and SASL. Its zero
// value is plaintext without authentication. It applies to every
// connection the hub makes to its cluster: producer, consumer groups, admin
// requests, agencies' topics and the departments' topics read there.
type Security struct {
	// TLS turns TLS on. CAFile (PEM) replaces the system's roots;
	// CertFile and KeyFile (PEM) are the client certificate, for brokers
	// that require one.
	TLS                       bool
	CAFile, CertFile, KeyFile string
	// SASLMechanism is "", "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512";
	// Username and Password are the credentials. SASL without TLS would
	// show the password to the network and is refused.
	SASLMechanism      string
	Username, Password string
}

// Validate reports the first setting that cannot work, reading the files
// named.
func (s Security) Validate() error {
	_, err := s.build()
	return err
}

// connections are what a Security builds: one transport shared by the
// hub's clients and writers (it caches the cluster's metadata), and what a
// reader's dialer needs. dial, when set, replaces every dial.
type connections struct {
	tls       *tls.Config
	mechanism sasl.Mechanism
	transport *kafka.Transport
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
}

var built sync.Map // Security → *connections

// connections returns what s builds, once per process; the zero Security
// uses kafka-go's default transport, as before Security existed.
func (s Security) connections() *connections {
	if s == (Security{}) {
		return &connections{}
	}
	if c, ok := built.Load(s); ok {
		return c.(*connections)
	}
	c, err := s.build()
	if err != nil { // Validate said so at start; fail every request plainly
		dial := failDial(err)
		c = &connections{transport: &kafka.Transport{Dial: dial}, dial: dial}
	}
	actual, _ := built.LoadOrStore(s, c)
	return actual.(*connections)
}

func (s Security) build() (*connections, error) {
	c := &connections{}
	if s.TLS {
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		if s.CAFile != "" {
			pem, err := os.ReadFile(s.CAFile)
			if err != nil {
				return nil, fmt.Errorf("kafka tls ca: %w", err)
			}
			c.tls.RootCAs = x509.NewCertPool()
			if !c.tls.RootCAs.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("kafka tls ca: %s holds no PEM certificate", s.CAFile)
			}
		}
		if (s.CertFile == "") != (s.KeyFile == "") {
			return nil, errors.New("kafka tls: a client certificate needs both its cert and its key file")
		}
		if s.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(s.CertFile, s.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("kafka tls client certificate: %w", err)
			}
			c.tls.Certificates = []tls.Certificate{cert}
		}
	} else if s.CAFile != "" || s.CertFile != "" || s.KeyFile != "" {
		return nil, errors.New("kafka tls: files are set but TLS is off (set CREDEX_KAFKA_TLS=true)")
	}
	var err error
	switch s.SASLMechanism {
	case "":
		if s.Username != "" || s.Password != "" {
			return nil, errors.New("kafka sasl: credentials are set but no mechanism (set CREDEX_KAFKA_SASL_MECHANISM)")
		}
	case "PLAIN":
		c.mechanism = plain.Mechanism{Username: s.Username, Password: s.Password}
	case "SCRAM-SHA-256":
		c.mechanism, err = scram.Mechanism(scram.SHA256, s.Username, s.Password)
	case "SCRAM-SHA-512":
		c.mechanism, err = scram.Mechanism(scram.SHA512, s.Username, s.Password)
	default:
		return nil, fmt.Errorf("kafka sasl mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", s.SASLMechanism)
	}
	switch {
	case err != nil:
		return nil, fmt.Errorf("kafka sasl: %w", err)
	case c.mechanism != nil && (s.Username == "" || s.Password == ""):
		return nil, errors.New("kafka sasl: username and password are both needed")
	case c.mechanism != nil && !s.TLS:
		return nil, errors.New("kafka sasl without tls would send the credentials in the clear; set CREDEX_KAFKA_TLS=true")
	}
	c.transport = &kafka.Transport{TLS: c.tls, SASL: c.mechanism}
	return c, nil
}

// transport is the shared transport of clients and writers; nil means
// kafka-go's default one.
func (c KafkaConfig) transport() kafka.RoundTripper {
	if t := c.Security.connections().transport; t != nil {
		return t
	}
	return kafka.DefaultTransport
}

// freshTransport is a transport of its own, whose metadata is not cached
// from before; its caller closes its idle connections.
func (c KafkaConfig) freshTransport() *kafka.Transport {
	conn := c.Security.connections()
	return &kafka.Transport{TLS: conn.tls, SASL: conn.mechanism, Dial: conn.dial}
}

// dialer is what readers and Ping connect with.
func (c KafkaConfig) dialer() *kafka.Dialer {
	conn := c.Security.connections()
	return &kafka.Dialer{Timeout: c.timeout(), DualStack: true, TLS: conn.tls, SASLMechanism: conn.mechanism, DialFunc: conn.dial}
}

func failDial(err error) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) { return nil, err }
}
