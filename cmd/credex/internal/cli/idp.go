package cli

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/credex/credex/idtoken"
)

// idpFlags are serve's settings of the identity provider whose ID tokens
// prove who a person is. With none set, the hub trusts no provider and
// the endpoints that act for a person answer 503
// identity_provider_not_configured.
type idpFlags struct {
	issuer, jwksURL, clientID string
	redirectURL               string
	algorithms                algorithmList
	idNumberClaim, nameClaim  string
	skew                      time.Duration
}

func (f *idpFlags) register(fs *flag.FlagSet) {
	f.algorithms = algorithmList{idtoken.DefaultAlgorithm}
	fs.StringVar(&f.issuer, "oidc-issuer", "", "issuer `url` of the OpenID Connect identity provider whose ID tokens prove who a person is, exactly as its tokens' iss claim gives it (https); without it, objections, repair applications, authorisations and access logs answer 503 identity_provider_not_configured (CREDEX_OIDC_ISSUER)")
	fs.StringVar(&f.jwksURL, "oidc-jwks-url", "", "`url` of the provider's signing keys (JWKS); empty: found by discovery at the issuer's /.well-known/openid-configuration (CREDEX_OIDC_JWKS_URL)")
	fs.StringVar(&f.clientID, "oidc-client-id", "", "the hub's client `id` at the provider, which ID tokens must name as their audience (CREDEX_OIDC_CLIENT_ID)")
	fs.StringVar(&f.redirectURL, "oidc-redirect-url", "", "`url` of the hub's /signin/callback as registered at the provider, where it sends people back after they sign in to the pages; without it, people cannot sign in to the pages (the API still takes their ID tokens); the client secret, if the provider gives one, is read from CREDEX_OIDC_CLIENT_SECRET only (CREDEX_OIDC_REDIRECT_URL)")
	fs.Var(&f.algorithms, "oidc-algorithms", "comma-separated signature `algorithms` accepted, of "+strings.Join(idtoken.Algorithms, ", ")+" (CREDEX_OIDC_ALGORITHMS)")
	fs.StringVar(&f.idNumberClaim, "oidc-id-number-claim", idtoken.DefaultIDNumberClaim, "`claim` of the ID token that carries the person's verified citizen ID number (CREDEX_OIDC_ID_NUMBER_CLAIM)")
	fs.StringVar(&f.nameClaim, "oidc-name-claim", idtoken.DefaultNameClaim, "`claim` of the ID token that carries the person's name (CREDEX_OIDC_NAME_CLAIM)")
	fs.DurationVar(&f.skew, "oidc-clock-skew", idtoken.DefaultClockSkew, "how far the hub's clock may be off the provider's when it checks a token's expiry and issue time; from 1s to 5m (CREDEX_OIDC_CLOCK_SKEW)")
}

// config returns the provider the flags of fs describe, or the zero Config
// when no --oidc-* flag (or its variable) is set. Settings without an
// issuer, or malformed ones, are errors.
func (f *idpFlags) config(fs *flag.FlagSet) (idtoken.Config, error) {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || strings.HasPrefix(fl.Name, "oidc-") })
	if !set {
		return idtoken.Config{}, nil
	}
	cfg := idtoken.Config{Issuer: f.issuer, JWKSURL: f.jwksURL, ClientID: f.clientID, Algorithms: f.algorithms,
		IDNumberClaim: f.idNumberClaim, NameClaim: f.nameClaim, ClockSkew: f.skew,
		RedirectURL: f.redirectURL, ClientSecret: os.Getenv("CREDEX_OIDC_CLIENT_SECRET")}
	if err := cfg.Validate(); err != nil {
		return idtoken.Config{}, fmt.Errorf("%w (see the --oidc-* flags in credex serve --help)", err)
	}
	return cfg, nil
}

// algorithmList is a flag of comma-separated signature algorithms.
type algorithmList []string

func (v *algorithmList) String() string { return strings.Join(*v, ",") }

func (v *algorithmList) Set(s string) error {
	list := algorithmList(splitList(s))
	if len(list) == 0 {
		return fmt.Errorf("%q: name at least one algorithm", s)
	}
	for _, alg := range list {
		if err := idtoken.CheckAlgorithm(alg); err != nil {
			return err
		}
	}
	*v = list
	return nil
}
