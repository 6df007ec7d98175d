package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credex/credex/internal/testkit/kafkatest"
)

func TestSecurityRefusesWhatCannotWork(t *testing.T) {
	t.Parallel()
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    Security
		want string
	}{
		{Security{SASLMechanism: "PLAIN", Username: "u", Password: "p"}, "in the clear"},
		{Security{TLS: true, SASLMechanism: "GSSAPI", Username: "u", Password: "p"}, `mechanism "GSSAPI"`},
		{Security{TLS: true, SASLMechanism: "SCRAM-SHA-512", Username: "u"}, "username and password"},
		{Security{Username: "u", Password: "p"}, "no mechanism"},
		{Security{CAFile: notPEM}, "TLS is off"},
		{Security{TLS: true, CAFile: notPEM}, "no PEM certificate"},
		{Security{TLS: true, CAFile: filepath.Join(t.TempDir(), "missing.pem")}, "no such file"},
		{Security{TLS: true, CertFile: notPEM}, "both its cert and its key"},
	} {
		err := tc.s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error saying %q", tc.s, err, tc.want)
		}
	}
	for _, ok := range []Security{{}, {TLS: true}, {TLS: true, SASLMechanism: "SCRAM-SHA-256", Username: "u", Password: "p"}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", ok, err)
		}
	}
}

// A Security that cannot be built fails every connection with its reason,
// readers' and Ping's included, rather than falling back to plaintext.
func TestUnbuildableSecurityConnectsNowhere(t *testing.T) {
	t.Parallel()
	s := Security{TLS: true, CAFile: filepath.Join(t.TempDir(), "missing.pem")}
	err := Ping(context.Background(), KafkaConfig{Brokers: kafkatest.Brokers(t), Security: s})
	if err == nil || !strings.Contains(err.Error(), "kafka tls ca") {
		t.Errorf("Ping = %v, want the error that the CA file cannot be read", err)
	}
}
