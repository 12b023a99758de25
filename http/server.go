// Package apphttp serves tuopin over HTTP: server-rendered HTML pages for
// browsers (sessions, CSRF tokens, Chinese and English) and a JSON API under
// /api/v1 for programs (bearer tokens). Both surfaces are thin: they parse
// input, call the root services with the acting user in the context, and
// render the result or the error. Scope is enforced by the services; the
// handlers never filter records themselves.
//
// The package is imported as apphttp because its directory is named http.
//
// Surfaces and their route tables:
//
//	routes_html.go  pages under /, behind the session and CSRF middleware
//	routes_api.go   JSON under /api/v1, behind bearer-token authentication
//
// Errors travel as *tuopin.Error and are mapped to a status in one table
// (errors.go); the HTML renderer shows the error page or re-shows a form
// with its field errors, the JSON renderer writes the error body.
package apphttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// Services are the root services the server calls. All are required.
type Services struct {
	Areas      tuopin.AreaService
	Users      tuopin.UserService
	Auth       tuopin.AuthService
	Households tuopin.HouseholdService
	Audit      tuopin.AuditService
	Codes      tuopin.CodeService
	Plans      tuopin.PlanService
	Params     tuopin.ParamService
	Events     tuopin.EventService    // household timelines
	Years      tuopin.YearService     // registry year starts
	Reviews    tuopin.IDReviewService // duplicate ID review queue
	// Imports runs spreadsheet imports; optional: without it the import
	// pages and API answer "not found" and the navigation hides them.
	Imports tuopin.ImportService
}

// Config holds the server settings. The zero value of each field means its
// default, as DefaultConfig documents.
type Config struct {
	// Addr is the address Open listens on, e.g. ":8080" or "127.0.0.1:0".
	Addr string
	// MaxUploadBytes bounds a spreadsheet uploaded for import (default
	// 256 MiB); keep it equal to the import runner's bound.
	MaxUploadBytes int64
	// SecureCookies marks cookies Secure; set it when served over HTTPS.
	SecureCookies bool
	// SessionTTL is how long a browser session lasts (default 12h).
	SessionTTL time.Duration
	// Logger receives request logs and internal errors (default: discard).
	Logger *slog.Logger

	// LoginMaxFailures failed logins per LoginWindow, counted per client
	// IP and per username, lock further attempts out with 429 until the
	// window has passed (defaults 5 per minute).
	LoginMaxFailures int
	LoginWindow      time.Duration

	// TrustForwardedFor takes the client IP for rate limiting and logs
	// from the last X-Forwarded-For entry; set it only behind a proxy
	// that sets the header.
	TrustForwardedFor bool

	// TrustedOrigins are extra origins (scheme://host[:port]) from which
	// cross-origin form posts are accepted, e.g. a portal in front of the
	// server. Same-origin requests never need an entry.
	TrustedOrigins []string

	// Now is the clock whose date ("today", in China Standard Time) the
	// wall chart and the dashboard compare with the plans' time nodes
	// (default time.Now); tests set it. A page's ?date= overrides it for
	// one request, to ask "what if it were that day".
	Now func() time.Time

	// PlanRule is the wall chart's colour rule (default
	// tuopin.DefaultPlanRule): how many days ahead an unmet time node
	// turns an area amber.
	PlanRule tuopin.PlanRule
}

// DefaultConfig returns the defaults: listen on :8080, 12-hour sessions,
// 5 login failures per minute.
func DefaultConfig() Config {
	return Config{
		Addr:             ":8080",
		SessionTTL:       12 * time.Hour,
		LoginMaxFailures: 5,
		LoginWindow:      time.Minute,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Addr == "" {
		c.Addr = d.Addr
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = d.SessionTTL
	}
	if c.LoginMaxFailures <= 0 {
		c.LoginMaxFailures = d.LoginMaxFailures
	}
	if c.LoginWindow <= 0 {
		c.LoginWindow = d.LoginWindow
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.PlanRule == (tuopin.PlanRule{}) {
		c.PlanRule = tuopin.DefaultPlanRule
	}
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = defaultMaxUploadBytes
	}
	return c
}

// Server is the HTTP server of tuopin.
type Server struct {
	cfg     Config
	svc     Services
	log     *slog.Logger
	assets  *assets
	views   *views
	limiter *loginLimiter
	handler http.Handler
	points  map[string][2]float64 // map points by 12-digit area code

	ln  net.Listener
	srv *http.Server
}

// NewServer checks the services, parses every template and hashes every
// static asset. It fails when a view that a handler renders is missing or
// a template does not parse, so that such mistakes stop the boot rather
// than a request.
func NewServer(cfg Config, svc Services) (*Server, error) {
	if svc.Areas == nil || svc.Users == nil || svc.Auth == nil || svc.Households == nil || svc.Audit == nil || svc.Codes == nil ||
		svc.Plans == nil || svc.Params == nil || svc.Events == nil || svc.Years == nil || svc.Reviews == nil {
		return nil, errors.New("apphttp: every service must be set")
	}
	cfg = cfg.withDefaults()
	if err := cfg.PlanRule.Validate(); err != nil {
		return nil, fmt.Errorf("apphttp: plan rule: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		svc:     svc,
		log:     cfg.Logger,
		limiter: newLoginLimiter(cfg.LoginMaxFailures, cfg.LoginWindow),
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, fmt.Errorf("apphttp: assets: %w", err)
	}
	if s.views, err = parseViews(s.assets); err != nil {
		return nil, fmt.Errorf("apphttp: templates: %w", err)
	}
	if s.points, err = loadMapPoints(); err != nil {
		return nil, fmt.Errorf("apphttp: map points: %w", err)
	}
	if s.handler, err = s.buildHandler(); err != nil {
		return nil, fmt.Errorf("apphttp: %w", err)
	}
	return s, nil
}

// buildHandler composes the middleware around the two surfaces. From the
// outside in: panic recovery, the request log, security headers, and the
// cross-origin check (which exempts the bearer-token API: browsers never
// attach a bearer token by themselves, so it cannot be forged across
// origins, and the API ignores cookies).
func (s *Server) buildHandler() (http.Handler, error) {
	cop := http.NewCrossOriginProtection()
	for _, o := range s.cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("trusted origin: %w", err)
		}
	}
	cop.AddInsecureBypassPattern("/api/v1/")
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))

	mux := http.NewServeMux()
	mux.Handle("GET /static/{hash}/{path...}", http.HandlerFunc(s.assets.serve))
	mux.HandleFunc("GET /api/openapi.yaml", s.assets.serveOpenAPI)
	mux.Handle("/api/v1/", s.apiRoutes())
	mux.Handle("/", s.htmlRoutes())

	return s.recoverer(s.logRequests(securityHeaders(cop.Handler(mux)))), nil
}

// Handler returns the server's root handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Open listens on the configured address and serves in the background.
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http serve", "err", err)
		}
	}()
	s.log.Info("http listening", "url", s.URL())
	return nil
}

// URL returns the base URL of the listening server, e.g.
// "http://127.0.0.1:8080", or "" before Open. An unspecified host (":0")
// is reported as 127.0.0.1.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(s.ln.Addr().String())
	if err != nil {
		return "http://" + s.ln.Addr().String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Close stops accepting connections and waits up to 10 seconds for the
// requests in flight to finish.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// clientIP returns the IP a request came from, for logs and rate limits.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
