package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/credex/credex/idtoken"
)

// sessionCookie names the cookie that carries a visitor's session.
const sessionCookie = "credex_session"

// sessionLifetime is how long a session lasts after it was made; signing in
// makes a new one.
const sessionLifetime = time.Hour

// sessionDomain separates the session key from every other key derived from
// the subject key.
const sessionDomain = "credex web session v1"

// Session is what the hub remembers of a visitor between requests. It
// travels sealed (AES-256-GCM) in an HttpOnly cookie: the visitor can
// neither read nor change it, and the hub keeps nothing. Keep it small: a
// cookie holds at most 4 KiB.
type Session struct {
	// CSRF is the token every form of the session carries (csrfField).
	CSRF string `json:"c"`
	// Expires ends the session.
	Expires time.Time `json:"e"`
	// Person is the person signed in through the identity provider, or nil.
	Person *idtoken.Person `json:"p,omitempty"`
	// StaffKey is the id of the API key with which a department or an
	// operator signed in on the desk or the operations overview; the key
	// itself is not kept. The session is theirs while the key is valid.
	StaffKey string `json:"i,omitempty"`
	// Login is a sign-in under way: what the identity provider must send
	// back.
	Login *pendingLogin `json:"l,omitempty"`
}

// pendingLogin is the state of an authorization code flow between the
// redirect to the identity provider and its answer.
type pendingLogin struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	// Return is the local path to go back to once signed in.
	Return string `json:"r"`
}

// sealer seals and opens sessions with a key of its own.
type sealer struct{ aead cipher.AEAD }

// newSealer derives the session key from the hub's subject key, so that
// every hub sharing a database opens the sessions of the others and a
// restart signs no one out; the derivation is one-way, so the session key
// discloses nothing of the subject key.
func newSealer(subjectKey []byte) *sealer {
	mac := hmac.New(sha256.New, subjectKey)
	mac.Write([]byte(sessionDomain))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte key is always an AES key
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &sealer{aead: aead}
}

func (s *sealer) seal(sess *Session) (string, error) {
	plain, err := json.Marshal(sess)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(sessionCookie))), nil
}

var errBadSession = errors.New("session cookie does not open")

func (s *sealer) open(value string, now time.Time) (*Session, error) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, errBadSession
	}
	plain, err := s.aead.Open(nil, raw[:s.aead.NonceSize()], raw[s.aead.NonceSize():], []byte(sessionCookie))
	if err != nil {
		return nil, errBadSession
	}
	var sess Session
	if err := json.Unmarshal(plain, &sess); err != nil || sess.CSRF == "" || !now.Before(sess.Expires) {
		return nil, errBadSession
	}
	return &sess, nil
}

// newSession is a session of no one, with a fresh CSRF token.
func newSession(now time.Time) *Session {
	return &Session{CSRF: randomToken(), Expires: now.Add(sessionLifetime)}
}

// randomToken is 32 random bytes, base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

type sessionKey struct{}

// sessionOf returns the request's session (put there by the sessions
// middleware).
func sessionOf(r *http.Request) *Session {
	s, _ := r.Context().Value(sessionKey{}).(*Session)
	return s
}

// sessions loads the visitor's session, or starts one and sets its cookie,
// so that the first page already carries a CSRF token.
func (s *server) sessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sess *Session
		if c, err := r.Cookie(sessionCookie); err == nil {
			sess, _ = s.sealer.open(c.Value, s.now())
		}
		if sess == nil {
			sess = newSession(s.now())
			s.saveSession(w, r, sess)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

// saveSession sets sess as the visitor's session cookie. Call it before
// writing the answer's status.
func (s *server) saveSession(w http.ResponseWriter, r *http.Request, sess *Session) {
	value, err := s.sealer.seal(sess)
	if err != nil {
		s.Logger.Error("seal session", "err", err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", Expires: sess.Expires,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
	})
}

// renewSession replaces the visitor's session with a new one, with a new
// CSRF token, and returns it: on signing in and out, so that nothing of the
// session before carries over.
func (s *server) renewSession(w http.ResponseWriter, r *http.Request) *Session {
	sess := newSession(s.now())
	*sessionOf(r) = *sess
	s.saveSession(w, r, sessionOf(r))
	return sessionOf(r)
}
