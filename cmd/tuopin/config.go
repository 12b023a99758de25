package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration, read once here and passed on
// explicitly: no package keeps configuration of its own.
//
// Precedence, lowest first: defaults, the optional config file, environment
// variables, command-line flags.
type Config struct {
	Addr          string        // TUOPIN_ADDR, --addr
	Data          string        // TUOPIN_DATA, --data: directory of the embedded SQLite store
	DB            string        // TUOPIN_DB, --db: a PostgreSQL URL instead of the embedded store
	SecureCookies bool          // TUOPIN_SECURE_COOKIES: set behind HTTPS
	SessionTTL    time.Duration // TUOPIN_SESSION_TTL
	AutoMigrate   bool          // TUOPIN_AUTO_MIGRATE: serve migrates a behind schema
	// AuditKey is the file of the private key that signs audit
	// checkpoints (TUOPIN_AUDIT_KEY, audit checkpoint --key). It must not
	// lie with the database: see docs/audit.md.
	AuditKey string
	// AsOf, when set, is the date the boards judge plans by, running on
	// from it as the server runs (the demo's; never from the environment).
	AsOf time.Time
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{
		Addr:        "127.0.0.1:8080",
		Data:        "./tuopin-data",
		SessionTTL:  12 * time.Hour,
		AutoMigrate: true,
	}
}

// DSN returns what sqldb.Open takes: the PostgreSQL URL when one is set,
// else the SQLite file inside the data directory.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.Data, "tuopin.db")
}

// Where says in words which store is used, without any password.
func (c Config) Where() string {
	if c.DB != "" {
		return "PostgreSQL " + redactURL(c.DB)
	}
	return "SQLite " + c.DSN()
}

func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	userinfo := u[scheme+3 : at]
	if name, _, ok := strings.Cut(userinfo, ":"); ok {
		return u[:scheme+3] + name + ":***" + u[at:]
	}
	return u
}

// set applies one key (as in the config file) to the configuration.
func (c *Config) set(key, value string) error {
	switch key {
	case "addr":
		c.Addr = value
	case "data":
		c.Data = value
	case "db":
		c.DB = value
	case "audit_key":
		c.AuditKey = value
	case "secure_cookies", "auto_migrate":
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("%s: want true or false, got %q", key, value)
		}
		if key == "secure_cookies" {
			c.SecureCookies = b
		} else {
			c.AutoMigrate = b
		}
	case "session_ttl":
		d, err := time.ParseDuration(value)
		if err != nil || d < time.Minute {
			return fmt.Errorf("session_ttl: want a duration of at least 1m such as 12h, got %q", value)
		}
		c.SessionTTL = d
	default:
		return fmt.Errorf("unknown key %q (known: addr, data, db, secure_cookies, session_ttl, auto_migrate, audit_key)", key)
	}
	return nil
}

// ReadConfigFile applies a file of `key = value` lines ('#' starts a
// comment; values may be double-quoted). A missing file is an error: the
// file is optional, but one that was named must exist.
func (c *Config) ReadConfigFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("%s:%d: want key = value", path, n)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if uq, err := strconv.Unquote(value); err == nil {
			value = uq
		}
		if err := c.set(key, value); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

// envKeys maps environment variables to config keys.
var envKeys = []struct{ env, key string }{
	{"TUOPIN_ADDR", "addr"},
	{"TUOPIN_DATA", "data"},
	{"TUOPIN_DB", "db"},
	{"TUOPIN_SECURE_COOKIES", "secure_cookies"},
	{"TUOPIN_SESSION_TTL", "session_ttl"},
	{"TUOPIN_AUTO_MIGRATE", "auto_migrate"},
	{"TUOPIN_AUDIT_KEY", "audit_key"},
}

// ReadEnv applies the TUOPIN_* environment variables, looked up by getenv.
func (c *Config) ReadEnv(getenv func(string) string) error {
	for _, e := range envKeys {
		if v := getenv(e.env); v != "" {
			if err := c.set(e.key, v); err != nil {
				return fmt.Errorf("%s: %w", e.env, err)
			}
		}
	}
	return nil
}

// commonFlags registers the flags every subcommand that opens the store
// takes. They are applied after the file and environment by applyFlags.
type commonFlags struct {
	config, addr, data, db string
}

func (f *commonFlags) register(fs *flag.FlagSet, withAddr bool) {
	fs.StringVar(&f.config, "config", "", "optional config file of `key = value` lines (env TUOPIN_CONFIG)")
	if withAddr {
		fs.StringVar(&f.addr, "addr", "", "listen address (env TUOPIN_ADDR, default 127.0.0.1:8080)")
	}
	fs.StringVar(&f.data, "data", "", "directory of the embedded SQLite store (env TUOPIN_DATA, default ./tuopin-data)")
	fs.StringVar(&f.db, "db", "", "PostgreSQL URL to use instead of the embedded store (env TUOPIN_DB)")
}

// resolve builds the configuration from defaults, file, env and flags.
func (f *commonFlags) resolve(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	path := f.config
	if path == "" {
		path = getenv("TUOPIN_CONFIG")
	}
	if path != "" {
		if err := c.ReadConfigFile(path); err != nil {
			return c, err
		}
	}
	if err := c.ReadEnv(getenv); err != nil {
		return c, err
	}
	if f.addr != "" {
		c.Addr = f.addr
	}
	if f.data != "" {
		c.Data = f.data
	}
	if f.db != "" {
		c.DB = f.db
	}
	return c, nil
}
