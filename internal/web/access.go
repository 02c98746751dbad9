package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Environment variables holding the access settings. They are read from the
// environment, never from sources.yaml, so that the file can be shared.
const (
	EnvToken    = "TRACKER_WEB_TOKEN"
	EnvUser     = "TRACKER_WEB_USER"
	EnvPassword = "TRACKER_WEB_PASSWORD"
)

// tokenCookie carries the token once it was given in the URL.
const tokenCookie = "tracker_token"

// Access is who may read the pages: anyone (the zero value), holders of a
// token, or a user with a password (HTTP basic authentication). When both
// are set, either is accepted.
type Access struct {
	Token          string
	User, Password string
}

// AccessFromEnv reads the access settings from the environment.
func AccessFromEnv(getenv func(string) string) (Access, error) {
	a := Access{Token: getenv(EnvToken), User: getenv(EnvUser), Password: getenv(EnvPassword)}
	if (a.User == "") != (a.Password == "") {
		return a, fmt.Errorf("web: %s and %s go together: set both for basic authentication, or neither", EnvUser, EnvPassword)
	}
	if a.Token != "" && len(a.Token) < 16 {
		return a, fmt.Errorf("web: %s is too short to guess-proof the pages: use at least 16 random characters (openssl rand -hex 16)", EnvToken)
	}
	return a, nil
}

// Enabled reports whether requests must prove who they are.
func (a Access) Enabled() bool { return a.Token != "" || a.User != "" }

// CheckListen refuses to serve without access control on anything but the
// loopback interface: the history would be readable by anyone who can reach
// the machine.
func CheckListen(addr string, a Access) error {
	if a.Enabled() || isLoopback(addr) {
		return nil
	}
	return fmt.Errorf("listening on %s would let anyone who can reach this machine read the history: "+
		"set %s (a long random secret; open the pages once with ?token=SECRET) or %s and %s (basic authentication) "+
		"in the environment, or listen on 127.0.0.1", addr, EnvToken, EnvUser, EnvPassword)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// equal compares secrets in constant time, lengths included.
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// require lets through the requests that prove access. A token given as
// the query parameter "token" is moved into a cookie and the browser sent
// to the clean URL, so that the secret does not stay in the address bar, the
// history or links copied from the page.
func (a Access) require(next http.Handler) http.Handler {
	if !a.Enabled() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.Token != "" {
			if q := r.URL.Query(); q.Has("token") {
				if !equal(q.Get("token"), a.Token) {
					a.refuse(w, r, errors.New("the token in the address is wrong"))
					return
				}
				// A feed reader keeps the address it was given and no
				// cookie: the feed is served as asked.
				if strings.HasSuffix(r.URL.Path, ".atom") {
					next.ServeHTTP(w, r)
					return
				}
				// Behind a TLS proxy the request arrives in clear; the
				// proxy's header only makes the cookie stricter.
				secure := r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
				http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: a.Token, Path: "/", HttpOnly: true,
					Secure: secure, SameSite: http.SameSiteStrictMode})
				q.Del("token")
				// One leading slash: "//host" would send the reader to
				// another site.
				clean := url.URL{Path: "/" + strings.TrimLeft(r.URL.Path, `/\`), RawQuery: q.Encode()}
				http.Redirect(w, r, clean.String(), http.StatusSeeOther)
				return
			}
			if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(tok, a.Token) {
				next.ServeHTTP(w, r)
				return
			}
			if c, err := r.Cookie(tokenCookie); err == nil && equal(c.Value, a.Token) {
				next.ServeHTTP(w, r)
				return
			}
		}
		if a.User != "" {
			if u, p, ok := r.BasicAuth(); ok && equal(u, a.User) && equal(p, a.Password) {
				next.ServeHTTP(w, r)
				return
			}
		}
		a.refuse(w, r, nil)
	})
}

func (a Access) refuse(w http.ResponseWriter, r *http.Request, why error) {
	if a.User != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="tracker", charset="UTF-8"`)
	}
	msg := "This tracker asks who you are."
	if why != nil {
		msg = why.Error() + "."
	}
	if a.Token != "" {
		msg += " Open it once with ?token=YOUR_TOKEN at the end of the address, or send Authorization: Bearer YOUR_TOKEN."
	}
	if a.User != "" {
		msg += " Sign in with your user name and password."
	}
	refuse(w, r, http.StatusUnauthorized, msg)
}
