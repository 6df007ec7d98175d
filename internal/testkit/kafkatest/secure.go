package kafkatest

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segmentio/kafka-go"
)

// Variables by which deploy/local/test.sh names the broker's SASL_SSL
// listener (deploy/local/kafka-tls.sh).
const (
	EnvSecureBrokers = "CREDEX_TEST_KAFKA_SECURE_BROKERS"
	EnvSecureDir     = "CREDEX_TEST_KAFKA_SECURE_DIR"
)

// SecureListener is the broker's SASL_SSL listener: TLS with a client
// certificate required, SASL PLAIN and SCRAM-SHA-512.
type SecureListener struct {
	Brokers []string
	// CA, ClientCert and ClientKey are PEM files.
	CA, ClientCert, ClientKey string
	// PlainUser and PlainPassword are the PLAIN credentials.
	PlainUser, PlainPassword string
}

// Secure returns the SASL_SSL listener, failing the test when it is not
// configured.
func Secure(t testing.TB) SecureListener {
	t.Helper()
	brokers, dir := os.Getenv(EnvSecureBrokers), os.Getenv(EnvSecureDir)
	if brokers == "" || dir == "" {
		t.Fatalf("kafkatest: %s and %s are not set; run the tests with deploy/local/test.sh", EnvSecureBrokers, EnvSecureDir)
	}
	password, err := os.ReadFile(filepath.Join(dir, "plain.password"))
	if err != nil {
		t.Fatalf("kafkatest: %v", err)
	}
	return SecureListener{
		Brokers: strings.Split(brokers, ","),
		CA:      filepath.Join(dir, "ca.pem"), ClientCert: filepath.Join(dir, "client.crt"), ClientKey: filepath.Join(dir, "client.pk8"),
		PlainUser: "credex", PlainPassword: strings.TrimSpace(string(password)),
	}
}

// ScramUser creates a SCRAM-SHA-512 user of a new name and password
// through the plaintext listener, and returns them.
func ScramUser(t testing.TB) (user, password string) {
	t.Helper()
	b := make([]byte, 12)
	rand.Read(b)
	user, password = "u"+hex.EncodeToString(b[:6]), hex.EncodeToString(b[6:])
	salt := make([]byte, 16)
	rand.Read(salt)
	const iterations = 4096
	salted, err := pbkdf2.Key(sha512.New, password, salt, iterations, sha512.Size)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	client, done := newClient(Brokers(t))
	defer done()
	resp, err := client.AlterUserScramCredentials(ctx, &kafka.AlterUserScramCredentialsRequest{
		Upsertions: []kafka.UserScramCredentialsUpsertion{{
			Name: user, Mechanism: kafka.ScramMechanismSha512, Iterations: iterations, Salt: salt, SaltedPassword: salted,
		}},
	})
	if err == nil && len(resp.Results) > 0 {
		err = resp.Results[0].Error
	}
	if err != nil {
		t.Fatalf("kafkatest: create SCRAM user: %v", err)
	}
	return user, password
}
