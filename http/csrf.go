package apphttp

import (
	"crypto/subtle"
	"net/http"
)

// CSRF defence for the HTML surface has two layers:
//
//  1. http.CrossOriginProtection wraps the whole server and refuses
//     non-safe requests that a browser marks as cross-origin
//     (Sec-Fetch-Site, or Origin against Host).
//  2. Every non-safe request must also carry a per-session token, in the
//     form field "csrf" or the X-CSRF-Token header (htmx sends the header
//     through hx-headers on <body>). A visitor without a session (the
//     login form) gets a random token in the tuopin_csrf cookie and must
//     post it back (double submit).
//
// The JSON API is exempt from both: it authenticates with bearer tokens,
// which a browser never attaches by itself, and ignores cookies.

const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	maxFormLen = 1 << 20
)

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// checkCSRF reports whether a non-safe request carries the request's token.
// It parses the form (bounded to maxFormLen) when no header is sent.
func (s *Server) checkCSRF(r *http.Request, st *reqState) bool {
	if st.csrf == "" {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		if s.isUpload(r) {
			// A multipart upload carries the token as a form field too;
			// the file is spooled to disk past uploadMemory.
			if err := r.ParseMultipartForm(uploadMemory); err != nil {
				return false
			}
		} else if err := r.ParseForm(); err != nil {
			return false
		}
		got = r.PostForm.Get(csrfField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(st.csrf)) == 1
}

// anonCSRFToken returns the CSRF token of a visitor without a session,
// setting the cookie on first sight.
func (s *Server) anonCSRFToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(anonCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	if !isSafeMethod(r.Method) {
		// A post without the cookie cannot match anything.
		return ""
	}
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{
		Name: anonCSRFCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode,
	})
	return tok
}
