package sqldb

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
)

var _ tuopin.AuthService = (*AuthService)(nil)

// AuthService keeps browser sessions and API tokens.
//
// A session cookie is "id.secret": a random id (16 bytes) and a random
// secret (32 bytes), both base64url. Only the SHA-256 of the secret is
// stored, so a copy of the database does not yield live cookies; the
// secret is compared in constant time. Each session has its own CSRF token.
//
// An API token is "tp_" and 32 random bytes in base64url. It is shown once;
// its SHA-256 is stored and looked up, with its first characters kept for
// display.
type AuthService struct {
	db *DB
}

// NewAuthService returns the auth service of db.
func NewAuthService(db *DB) *AuthService { return &AuthService{db: db} }

// errSession is the one answer to every unusable session or token.
var errSession = tuopin.Errorf(tuopin.EUNAUTHORIZED, "Your session has expired or is not valid: please log in.")

// tokenUsePrecision is how stale last_used_at may get before a use of an
// API token writes it again, so that busy clients do not write on every
// request.
const tokenUsePrecision = time.Minute

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// findEnabledUser returns an enabled user by ID, whatever the scope: the
// credential being checked is the authority.
func findEnabledUser(ctx context.Context, tx *Tx, id int64) (*tuopin.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, errSession
	} else if err != nil {
		return nil, tx.db.formatError(err)
	} else if u.Disabled {
		return nil, errSession
	}
	return u, nil
}

// CreateSession starts a session for an enabled user and returns the
// cookie value. It acts as that user (the login is audited by
// Authenticate); expired sessions of the user are removed on the way.
// Returns EUNAUTHORIZED for an unknown or disabled user.
func (s *AuthService) CreateSession(ctx context.Context, userID int64, lang string, ttl time.Duration) (string, *tuopin.Session, error) {
	if ttl <= 0 {
		return "", nil, tuopin.FieldErr("ttl", "invalid", "A session must last some time.")
	}
	rtx, err := s.db.beginRead(ctx)
	if err != nil {
		return "", nil, err
	}
	u, err := findEnabledUser(ctx, rtx, userID)
	rtx.Rollback()
	if err != nil {
		return "", nil, err
	}

	tx, err := s.db.beginAs(ctx, u)
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	secret := randomToken(32)
	sess := &tuopin.Session{
		ID:        randomToken(16),
		UserID:    u.ID,
		CSRFToken: randomToken(32),
		Lang:      lang,
		CreatedAt: tx.now,
		ExpiresAt: tx.now.Add(ttl).Truncate(time.Microsecond),
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?`, u.ID, formatTime(tx.now)); err != nil {
		return "", nil, err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO sessions (id, secret_hash, user_id, csrf_token, lang, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sess.ID, sha256Hex(secret), sess.UserID, sess.CSRFToken, sess.Lang, formatTime(sess.CreatedAt), formatTime(sess.ExpiresAt)); err != nil {
		return "", nil, err
	}
	if err := tx.Commit(); err != nil {
		return "", nil, err
	}
	return sess.ID + "." + secret, sess, nil
}

// FindSession returns a live session and its enabled user. Returns
// EUNAUTHORIZED for a malformed, unknown or expired cookie, a wrong secret
// or a disabled user.
func (s *AuthService) FindSession(ctx context.Context, cookie string) (*tuopin.Session, *tuopin.User, error) {
	id, secret, ok := strings.Cut(cookie, ".")
	if !ok || id == "" || secret == "" || len(cookie) > 200 {
		return nil, nil, errSession
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	var sess tuopin.Session
	var hash, created, expires string
	err = tx.QueryRowContext(ctx, `
		SELECT id, secret_hash, user_id, csrf_token, lang, created_at, expires_at
		FROM sessions WHERE id = ?`, id).Scan(&sess.ID, &hash, &sess.UserID, &sess.CSRFToken, &sess.Lang, &created, &expires)
	if err == sql.ErrNoRows {
		return nil, nil, errSession
	} else if err != nil {
		return nil, nil, s.db.formatError(err)
	}
	if subtle.ConstantTimeCompare([]byte(sha256Hex(secret)), []byte(hash)) != 1 {
		return nil, nil, errSession
	}
	if sess.CreatedAt, err = parseTime(created); err != nil {
		return nil, nil, err
	}
	if sess.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, nil, err
	}
	if !tx.now.Before(sess.ExpiresAt) {
		return nil, nil, errSession
	}
	u, err := findEnabledUser(ctx, tx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	return &sess, u, nil
}

// UpdateSessionLang stores the UI language of one of the calling user's
// sessions. Returns EUNAUTHORIZED without a user and ENOTFOUND for a
// session that is not the caller's.
func (s *AuthService) UpdateSessionLang(ctx context.Context, sessionID, lang string) error {
	if len(lang) > 16 || !utf8.ValidString(lang) {
		return tuopin.FieldErr("lang", "invalid_choice", "Unknown language %q.", lang)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET lang = ? WHERE id = ? AND user_id = ?`, lang, sessionID, tx.user.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return s.db.formatError(err)
	} else if n == 0 {
		return tuopin.NotFound("session")
	}
	return tx.Commit()
}

// DeleteSession ends the session of a cookie (logout). The cookie's secret
// must match; unknown or malformed cookies are ignored.
func (s *AuthService) DeleteSession(ctx context.Context, cookie string) error {
	sess, u, err := s.FindSession(ctx, cookie)
	if tuopin.ErrorCode(err) == tuopin.EUNAUTHORIZED {
		return nil
	} else if err != nil {
		return err
	}
	tx, err := s.db.beginAs(ctx, u)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, sess.ID); err != nil {
		return err
	}
	return tx.Commit()
}

const apiTokenColumns = `id, user_id, name, prefix, created_at, last_used_at`

func scanAPIToken(row interface{ Scan(...any) error }) (*tuopin.APIToken, error) {
	var t tuopin.APIToken
	var created string
	var used sql.NullString
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &created, &used); err != nil {
		return nil, err
	}
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if t.LastUsedAt, err = parseNullTime(used); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateAPIToken issues a token for the calling user and returns the plain
// token, which is not stored. Returns EUNAUTHORIZED without a user and
// EINVALID for a missing or long name.
func (s *AuthService) CreateAPIToken(ctx context.Context, name string) (string, *tuopin.APIToken, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", nil, tuopin.FieldErr("name", "required", "A token needs a name.")
	case n > 100:
		return "", nil, tuopin.FieldErr("name", "too_long", "Token name must be at most 100 characters.")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	if tx.user.ID == 0 {
		return "", nil, tuopin.Errorf(tuopin.EFORBIDDEN, "The system user cannot hold API tokens.")
	}
	token := "tp_" + randomToken(32)
	t := &tuopin.APIToken{UserID: tx.user.ID, Name: name, Prefix: token[:10], CreatedAt: tx.now}
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`,
		t.UserID, t.Name, t.Prefix, sha256Hex(token), formatTime(t.CreatedAt)).Scan(&t.ID); err != nil {
		return "", nil, s.db.formatError(err)
	}
	e, err := newAuditEntry(tuopin.ActionTokenCreate, "api_token", strconv.FormatInt(t.ID, 10), tx.user.Scope, "", nil, t)
	if err != nil {
		return "", nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return "", nil, err
	}
	return token, t, tx.Commit()
}

// FindUserByAPIToken returns the enabled owner of a bearer token and
// records the use (at most once a minute). Returns EUNAUTHORIZED for an
// unknown token or a disabled owner.
func (s *AuthService) FindUserByAPIToken(ctx context.Context, token string) (*tuopin.User, error) {
	if !strings.HasPrefix(token, "tp_") || len(token) > 100 {
		return nil, errSession
	}
	rtx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer rtx.Rollback()
	t, err := scanAPIToken(rtx.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE token_hash = ?`, sha256Hex(token)))
	if err == sql.ErrNoRows {
		return nil, errSession
	} else if err != nil {
		return nil, s.db.formatError(err)
	}
	u, err := findEnabledUser(ctx, rtx, t.UserID)
	if err != nil {
		return nil, err
	}
	rtx.Rollback()
	if now := s.db.clock(); t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenUsePrecision {
		tx, err := s.db.beginAs(ctx, u)
		if err != nil {
			return nil, err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, formatTime(tx.now), t.ID); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// FindAPITokens lists the calling user's tokens, oldest first. Without a
// user it finds nothing.
func (s *AuthService) FindAPITokens(ctx context.Context) ([]*tuopin.APIToken, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return []*tuopin.APIToken{}, nil
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY id`, u.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*tuopin.APIToken{}
	for rows.Next() {
		t, err := scanAPIToken(rows)
		if err != nil {
			return nil, s.db.formatError(err)
		}
		out = append(out, t)
	}
	return out, s.db.formatError(rows.Err())
}

// DeleteAPIToken revokes one of the calling user's tokens. Returns
// EUNAUTHORIZED without a user and ENOTFOUND for a token that is not the
// caller's.
func (s *AuthService) DeleteAPIToken(ctx context.Context, id int64) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t, err := scanAPIToken(tx.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE id = ? AND user_id = ?`, id, tx.user.ID))
	if err == sql.ErrNoRows {
		return tuopin.NotFound("API token")
	} else if err != nil {
		return s.db.formatError(err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ?`, t.ID); err != nil {
		return err
	}
	e, err := newAuditEntry(tuopin.ActionTokenDelete, "api_token", strconv.FormatInt(t.ID, 10), tx.user.Scope, "", t, nil)
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	return tx.Commit()
}
