package principal_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/deploy/dev"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/schemas"
)

// seedBundle is what a seed test needs: valid department codes, a bad one,
// and checkers standing in for the catalogue.
type seedBundle struct {
	code, otherCode string // valid unified social credit codes
	badCode         string // code with its check character flipped
	checkCode       func(string) error
	knownType       func(string) bool
}

func setup(t *testing.T) seedBundle {
	t.Helper()
	r := rand.New(rand.NewPCG(32100, 2015))
	code := ident.NewCreditCode(r)
	other := ident.NewCreditCode(r)
	return seedBundle{
		code:      code,
		otherCode: other,
		badCode:   flipLast(code),
		checkCode: ident.CheckCreditCode,
		knownType: func(code string) bool {
			return code == "administrative_penalty" || code == "serious_dishonesty"
		},
	}
}

// flipLast replaces the check character of a credit code by another
// character of the code alphabet, so only the check fails.
func flipLast(code string) string {
	last := byte('0')
	if code[len(code)-1] == '0' {
		last = '1'
	}
	return code[:len(code)-1] + string(last)
}

func (b seedBundle) parse(raw string) (*principal.Seed, error) {
	return principal.ParseSeed([]byte(raw), b.checkCode, b.knownType)
}

func TestParseSeed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hash := principal.HashKey("a-production-key-of-some-length")

	seed, err := b.parse(`
principals:
  - kind: department
    name: tax
    key: dev-tax-bureau-key-0002
    code: ` + b.code + `
    types: [administrative_penalty, serious_dishonesty]
  - kind: department
    name: court
    key_sha256: ` + hash + `
    code: ` + b.otherCode + `
  - kind: agency
    name: bank-regulator
    key: dev-bank-regulator-key-0004
  - kind: maintainer
    name: catalogue-maintainer
    key: dev-catalogue-maintainer-key-0005
  - kind: operator
    name: operator
    key: dev-operator-key-0006
`)
	if err != nil {
		t.Fatalf("ParseSeed: %v", err)
	}
	want := []principal.SeedEntry{
		{Kind: principal.Department, Name: "tax", Key: "dev-tax-bureau-key-0002", Code: b.code,
			Types: []string{"administrative_penalty", "serious_dishonesty"}},
		{Kind: principal.Department, Name: "court", KeySHA256: hash, Code: b.otherCode},
		{Kind: principal.Agency, Name: "bank-regulator", Key: "dev-bank-regulator-key-0004"},
		{Kind: principal.Maintainer, Name: "catalogue-maintainer", Key: "dev-catalogue-maintainer-key-0005"},
		{Kind: principal.Operator, Name: "operator", Key: "dev-operator-key-0006"},
	}
	if len(seed.Principals) != len(want) {
		t.Fatalf("got %d principals, want %d: %+v", len(seed.Principals), len(want), seed.Principals)
	}
	for i, w := range want {
		got := seed.Principals[i]
		if got.Kind != w.Kind || got.Name != w.Name || got.Key != w.Key || got.KeySHA256 != w.KeySHA256 ||
			got.Code != w.Code || !slices.Equal(got.Types, w.Types) {
			t.Errorf("principals[%d] = %+v, want %+v", i, got, w)
		}
	}

	t.Run("key hash", func(t *testing.T) {
		t.Parallel()
		if got, want := seed.Principals[0].KeyHash(), principal.HashKey("dev-tax-bureau-key-0002"); got != want {
			t.Errorf("KeyHash of a key = %s, want HashKey(key) = %s", got, want)
		}
		if got := seed.Principals[1].KeyHash(); got != hash {
			t.Errorf("KeyHash of a key_sha256 = %s, want it unchanged: %s", got, hash)
		}
	})
	t.Run("certificate", func(t *testing.T) {
		t.Parallel()
		cert := principal.CertHash([]byte("a certificate's DER"))
		seed, err := b.parse("principals:\n" +
			"  - {kind: agency, name: bank, cert_sha256: " + cert + "}\n" +
			"  - {kind: operator, name: op, key: dev-operator-key-0006, cert_sha256: " + principal.CertHash([]byte("another")) + "}\n")
		if err != nil {
			t.Fatalf("ParseSeed with certificates: %v", err)
		}
		if e := seed.Principals[0]; e.CertSHA256 != cert || e.KeyHash() != "" {
			t.Errorf("certificate only: CertSHA256 = %q, KeyHash() = %q; want %q and no key", e.CertSHA256, e.KeyHash(), cert)
		}
		if e := seed.Principals[1]; e.CertSHA256 == "" || e.KeyHash() != principal.HashKey("dev-operator-key-0006") {
			t.Errorf("key besides a certificate: %+v", e)
		}
	})
	t.Run("principal", func(t *testing.T) {
		t.Parallel()
		p := seed.Principals[0].Principal()
		if p.Kind != principal.Department || p.Name != "tax" || p.Code != b.code ||
			!slices.Equal(p.Types, []string{"administrative_penalty", "serious_dishonesty"}) {
			t.Errorf("Principal() = %+v", p)
		}
	})
}

func TestParseSeedRefuses(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dept := func(extra string) string {
		return "principals:\n  - kind: department\n    name: tax\n    key: dev-tax-bureau-key-0002\n" + extra
	}
	tests := []struct {
		name string
		seed string
		// want are substrings of the error: the field to blame and why.
		want []string
	}{
		{
			name: "no principals",
			seed: "principals: []\n",
			want: []string{"principals", "none listed"},
		},
		{
			name: "unknown top-level key",
			seed: "principal:\n  - kind: operator\n",
			want: []string{"principal", "not found"},
		},
		{
			name: "unknown key of an entry",
			seed: "principals:\n  - kind: operator\n    name: op\n    key: dev-operator-key-0006\n    role: admin\n",
			want: []string{"role", "not found"},
		},
		{
			name: "missing name",
			seed: "principals:\n  - kind: operator\n    key: dev-operator-key-0006\n",
			want: []string{"principals[0].name", "missing"},
		},
		{
			name: "duplicate name",
			seed: "principals:\n" +
				"  - {kind: operator, name: op, key: dev-operator-key-0006}\n" +
				"  - {kind: maintainer, name: op, key: dev-maintainer-key-0007}\n",
			want: []string{"principals[1].name", `"op"`, "twice"},
		},
		{
			name: "unknown kind",
			seed: "principals:\n  - {kind: admin, name: root, key: dev-operator-key-0006}\n",
			want: []string{"principals[0].kind", `"admin"`},
		},
		{
			name: "missing kind",
			seed: "principals:\n  - {name: root, key: dev-operator-key-0006}\n",
			want: []string{"principals[0].kind"},
		},
		{
			name: "both key and key_sha256",
			seed: "principals:\n  - {kind: operator, name: op, key: dev-operator-key-0006, key_sha256: " +
				principal.HashKey("dev-operator-key-0006") + "}\n",
			want: []string{"principals[0]", "key_sha256"},
		},
		{
			name: "neither key nor key_sha256",
			seed: "principals:\n  - {kind: operator, name: op}\n",
			want: []string{"principals[0]", "key_sha256"},
		},
		{
			name: "key of 15 characters",
			seed: "principals:\n  - {kind: operator, name: op, key: fifteen-chars-k}\n",
			want: []string{"principals[0].key", "16"},
		},
		{
			name: "key_sha256 not a hex SHA-256",
			seed: "principals:\n  - {kind: operator, name: op, key_sha256: dev-operator-key-0006}\n",
			want: []string{"principals[0].key_sha256"},
		},
		{
			name: "key_sha256 in uppercase, which no lookup matches",
			seed: "principals:\n  - {kind: operator, name: op, key_sha256: " +
				strings.ToUpper(principal.HashKey("dev-operator-key-0006")) + "}\n",
			want: []string{"principals[0].key_sha256"},
		},
		{
			name: "cert_sha256 not a hex SHA-256",
			seed: "principals:\n  - {kind: operator, name: op, cert_sha256: " + principal.HashKey("x")[:63] + "}\n",
			want: []string{"principals[0].cert_sha256", "64 lowercase"},
		},
		{
			name: "cert_sha256 in uppercase, which no lookup matches",
			seed: "principals:\n  - {kind: operator, name: op, cert_sha256: " +
				strings.ToUpper(principal.CertHash([]byte("der"))) + "}\n",
			want: []string{"principals[0].cert_sha256"},
		},
		{
			name: "one certificate for two principals",
			seed: "principals:\n" +
				"  - {kind: operator, name: op, cert_sha256: " + principal.CertHash([]byte("der")) + "}\n" +
				"  - {kind: maintainer, name: mt, cert_sha256: " + principal.CertHash([]byte("der")) + "}\n",
			want: []string{"principals[1].cert_sha256", "twice"},
		},
		{
			name: "department without a code",
			seed: dept("    types: [administrative_penalty]\n"),
			want: []string{"principals[0].code", ident.ErrCodeLength.Error()},
		},
		{
			name: "department with a wrong check character",
			seed: dept("    code: " + b.badCode + "\n    types: [administrative_penalty]\n"),
			want: []string{"principals[0].code", ident.ErrCodeCheck.Error()},
		},
		{
			name: "department with a type unknown to the catalogue",
			seed: dept("    code: " + b.code + "\n    types: [administrative_penalty, parking_ticket]\n"),
			want: []string{"principals[0].types[1]", `"parking_ticket"`, "catalogue"},
		},
		{
			name: "agency with types",
			seed: "principals:\n  - {kind: agency, name: bank, key: dev-bank-regulator-key-0004, types: [administrative_penalty]}\n",
			want: []string{"principals[0]", "departments only"},
		},
		{
			name: "operator with a code",
			seed: "principals:\n  - {kind: operator, name: op, key: dev-operator-key-0006, code: " + b.code + "}\n",
			want: []string{"principals[0]", "departments only"},
		},
		{
			name: "legal bases of a department",
			seed: dept("    code: " + b.code + "\n    legal_bases: [{code: LB-1, types: [administrative_penalty]}]\n"),
			want: []string{"principals[0].legal_bases", "agencies only"},
		},
		{
			name: "a legal basis without a code",
			seed: "principals:\n  - {kind: agency, name: court, key: dev-court-enforcement-key, legal_bases: [{types: [serious_dishonesty]}]}\n",
			want: []string{"principals[0].legal_bases[0].code", "missing"},
		},
		{
			name: "a legal basis twice",
			seed: "principals:\n  - {kind: agency, name: court, key: dev-court-enforcement-key, legal_bases: [" +
				"{code: LB-1, types: [serious_dishonesty]}, {code: LB-1, types: [administrative_penalty]}]}\n",
			want: []string{"principals[0].legal_bases[1].code", `"LB-1"`, "twice"},
		},
		{
			name: "a legal basis without types",
			seed: "principals:\n  - {kind: agency, name: court, key: dev-court-enforcement-key, legal_bases: [{code: LB-1}]}\n",
			want: []string{"principals[0].legal_bases[0].types", "none listed"},
		},
		{
			name: "a legal basis of an unknown type",
			seed: "principals:\n  - {kind: agency, name: court, key: dev-court-enforcement-key, legal_bases: [{code: LB-1, types: [serious_dishonesty, parking_ticket]}]}\n",
			want: []string{"principals[0].legal_bases[0].types[1]", `"parking_ticket"`},
		},
		{
			name: "a quota of inquiries of a department",
			seed: dept("    code: " + b.code + "\n    inquiries_per_day: 100\n"),
			want: []string{"principals[0].inquiries_per_day", "agencies only"},
		},
		{
			name: "a negative quota of inquiries",
			seed: "principals:\n  - {kind: agency, name: court, key: dev-court-enforcement-key, inquiries_per_day: -1}\n",
			want: []string{"principals[0].inquiries_per_day", "negative"},
		},
		{
			name: "second entry is the bad one",
			seed: "principals:\n" +
				"  - {kind: operator, name: op, key: dev-operator-key-0006}\n" +
				"  - {kind: operator, name: op2, key: short}\n",
			want: []string{"principals[1].key"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seed, err := b.parse(tt.seed)
			if err == nil {
				t.Fatalf("ParseSeed accepted %+v", seed)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestLegalBasesAreTheAgencys: an agency's legal bases come with its
// principal, and only its own codes are found.
func TestLegalBasesAreTheAgencys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	seed, err := b.parse("principals:\n" +
		"  - {kind: agency, name: court, key: dev-court-enforcement-key, scope: judiciary, legal_bases: [{code: LB-COURT, types: [serious_dishonesty]}]}\n" +
		"  - {kind: agency, name: bank, key: dev-commercial-bank-key, scope: financial_institution}\n")
	if err != nil {
		t.Fatalf("ParseSeed: %v", err)
	}
	court, bank := seed.Principals[0].Principal(), seed.Principals[1].Principal()
	if lb, ok := court.LegalBasis("LB-COURT"); !ok || !slices.Equal(lb.Types, []string{"serious_dishonesty"}) {
		t.Errorf("the court's basis LB-COURT = %+v, %v", lb, ok)
	}
	if lb, ok := bank.LegalBasis("LB-COURT"); ok {
		t.Errorf("the bank has the court's basis: %+v", lb)
	}
}

func TestParseSeedWrapsTheCodeError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.parse("principals:\n  - {kind: department, name: tax, key: dev-tax-bureau-key-0002, code: " + b.badCode + "}\n")
	if !errors.Is(err, ident.ErrCodeCheck) {
		t.Errorf("ParseSeed = %v, want it to wrap ident.ErrCodeCheck", err)
	}
}

func TestDevSeedParses(t *testing.T) {
	t.Parallel()
	c, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	seed, err := principal.ParseSeed(dev.Seed, ident.CheckCreditCode, func(code string) bool {
		_, ok := c.Type(code)
		return ok
	})
	if err != nil {
		t.Fatalf("deploy/dev/seed.yaml: %v", err)
	}
	kinds := map[principal.Kind]int{}
	for _, e := range seed.Principals {
		kinds[e.Kind]++
		if e.Key == "" {
			t.Errorf("%s: a dev principal gives its key, so the walkthrough can use it", e.Name)
		}
	}
	want := map[principal.Kind]int{principal.Department: 3, principal.Agency: 3, principal.Maintainer: 1, principal.Operator: 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d principals of kind %s, want %d", kinds[k], k, n)
		}
	}
}

func TestHashKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, want string
	}{
		// sha256sum of the empty input and of "abc" (FIPS 180-2 example).
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := principal.HashKey(tt.key); got != tt.want {
			t.Errorf("HashKey(%q) = %s, want %s", tt.key, got, tt.want)
		}
	}
}

func TestCertHash(t *testing.T) {
	t.Parallel()
	// sha256sum of "abc" (FIPS 180-2 example): the hash of the DER bytes.
	if got, want := principal.CertHash([]byte("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Errorf("CertHash = %s, want %s", got, want)
	}
}

func TestMayPublish(t *testing.T) {
	t.Parallel()
	types := []string{"administrative_penalty", "serious_dishonesty"}
	tests := []struct {
		name string
		p    principal.Principal
		typ  string
		want bool
	}{
		{"department, assigned type", principal.Principal{Kind: principal.Department, Types: types}, "serious_dishonesty", true},
		{"department, other type", principal.Principal{Kind: principal.Department, Types: types}, "administrative_licence", false},
		{"department without types", principal.Principal{Kind: principal.Department}, "administrative_penalty", false},
		{"department, empty type", principal.Principal{Kind: principal.Department, Types: types}, "", false},
		{"agency, even with types", principal.Principal{Kind: principal.Agency, Types: types}, "administrative_penalty", false},
		{"operator", principal.Principal{Kind: principal.Operator, Types: types}, "administrative_penalty", false},
		{"maintainer", principal.Principal{Kind: principal.Maintainer, Types: types}, "administrative_penalty", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.MayPublish(tt.typ); got != tt.want {
				t.Errorf("MayPublish(%q) = %v, want %v", tt.typ, got, tt.want)
			}
		})
	}
}
