package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

var _ tuopin.UserService = (*UserService)(nil)

// UserService manages users and their passwords.
type UserService struct {
	db *DB
}

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

const userColumns = `id, username, name, role, scope, phone, disabled, created_at, updated_at, last_login_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*tuopin.User, error) {
	var u tuopin.User
	var created, updated string
	var login sql.NullString
	dest := append([]any{&u.ID, &u.Username, &u.Name, &u.Role, &u.Scope, &u.Phone, &u.Disabled, &created, &updated, &login}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	if u.LastLoginAt, err = parseNullTime(login); err != nil {
		return nil, err
	}
	return &u, nil
}

// userAudit is the audit form of a user: the user's fields plus a marker
// when the password changed (never the password or its hash).
type userAudit struct {
	*tuopin.User
	Password string `json:"password,omitempty"`
}

// errLogin is the one answer to every failed login.
var errLogin = tuopin.Errorf(tuopin.EUNAUTHORIZED, "Invalid username or password.")

// userScopeCond returns the condition that limits users to those the
// actor may see: itself and the users whose scope lies inside its own.
func userScopeCond(actor *tuopin.User) (string, []any) {
	p, a := scopeRange("scope", actor.Scope)
	if p == "" {
		return "1 = 1", nil
	}
	return "(id = ? OR (" + p + "))", append([]any{actor.ID}, a...)
}

// findUserInScope returns a user the transaction's actor may see
// (ENOTFOUND otherwise).
func findUserInScope(ctx context.Context, tx *Tx, id int64) (*tuopin.User, error) {
	if tx.user == nil {
		return nil, tuopin.NotFound("user")
	}
	cond, args := userScopeCond(tx.user)
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ? AND `+cond, append([]any{id}, args...)...))
	if err == sql.ErrNoRows {
		return nil, tuopin.NotFound("user")
	} else if err != nil {
		return nil, tx.db.formatError(err)
	}
	return u, nil
}

// FindUserByID returns a user inside the caller's scope, or the caller
// itself. Returns ENOTFOUND otherwise.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*tuopin.User, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findUserInScope(ctx, tx, id)
}

// FindUsers lists the users inside the caller's scope, ordered by
// username, with the total count before paging. Without a user it finds
// nothing.
func (s *UserService) FindUsers(ctx context.Context, filter tuopin.UserFilter) ([]*tuopin.User, int, error) {
	actor := tuopin.UserFromContext(ctx)
	if actor == nil {
		return []*tuopin.User{}, 0, nil
	}
	cond, args := userScopeCond(actor)
	where := []string{cond}
	if v := filter.ID; v != nil {
		where, args = append(where, "id = ?"), append(args, *v)
	}
	if v := filter.Username; v != nil {
		where, args = append(where, "username = ?"), append(args, *v)
	}
	if q := strings.TrimSpace(filter.Query); q != "" {
		// Users are few per scope: a contains-search is cheap enough.
		like := "%" + escapeLike(q) + "%"
		where, args = append(where, `(name LIKE ? ESCAPE '\' OR username LIKE ? ESCAPE '\')`), append(args, like, like)
	}
	c := strings.Join(where, " AND ")

	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE `+c, args...).Scan(&n); err != nil {
		return nil, 0, s.db.formatError(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+c+` ORDER BY username LIMIT ? OFFSET ?`,
		append(args, pageLimit(filter.Limit), max(filter.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*tuopin.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, 0, s.db.formatError(err)
		}
		out = append(out, u)
	}
	return out, n, s.db.formatError(rows.Err())
}

// checkScopeArea checks that a user's scope lies inside the actor's and
// names an existing area (EINVALID on field "scope" otherwise).
func checkScopeArea(ctx context.Context, tx *Tx, scope string) error {
	if !strings.HasPrefix(scope, tx.user.Scope) {
		return tuopin.FieldErr("scope", "out_of_scope", "Scope %s lies outside your own scope.", scopeName(scope))
	}
	if scope == "" {
		return nil
	}
	level, _ := tuopin.LevelOfPrefix(scope)
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE code = ? AND level = ?`,
		tuopin.PadCode(scope), int(level)).Scan(&n); err != nil {
		return tx.db.formatError(err)
	}
	if n == 0 {
		return tuopin.FieldErr("scope", "unknown_area", "There is no area %s.", scope)
	}
	return nil
}

func scopeName(scope string) string {
	if scope == "" {
		return "(the whole nation)"
	}
	return scope
}

// CreateUser stores a new user with a hashed password. Returns
// EUNAUTHORIZED without an acting user, EINVALID for bad fields, a weak
// password or a scope that is unknown or outside the caller's, EFORBIDDEN
// if the caller may not manage such a user, and ECONFLICT if the username
// is taken.
func (s *UserService) CreateUser(ctx context.Context, u *tuopin.User, password string) error {
	actor := tuopin.UserFromContext(ctx)
	if actor == nil {
		return errNoUser
	}
	if !actor.Role.CanManageUsers() {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "You may not manage users.")
	}
	u.Username = strings.TrimSpace(u.Username)
	u.Name = strings.TrimSpace(u.Name)
	u.Phone = strings.TrimSpace(u.Phone)
	var f tuopin.Fields
	f.Merge("", tuopin.ErrorFields(u.Validate()))
	f.Merge("", tuopin.ErrorFields(tuopin.ValidatePassword(password)))
	if err := f.Err(); err != nil {
		return err
	}
	if !strings.HasPrefix(u.Scope, actor.Scope) {
		return tuopin.FieldErr("scope", "out_of_scope", "Scope %s lies outside your own scope.", scopeName(u.Scope))
	}
	if !actor.CanManage(u) {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "You may not create a user with role %s.", u.Role)
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}

	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createUser(ctx, tx, u, hash, ""); err != nil {
		return err
	}
	return tx.Commit()
}

// createUser inserts a user and appends its audit entry.
func createUser(ctx context.Context, tx *Tx, u *tuopin.User, hash, reason string) error {
	if err := checkScopeArea(ctx, tx, u.Scope); err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = tx.now, tx.now, nil
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO users (username, name, role, scope, phone, password_hash, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Username, u.Name, string(u.Role), u.Scope, u.Phone, hash, u.Disabled, formatTime(tx.now), formatTime(tx.now),
	).Scan(&u.ID); err != nil {
		return tx.db.formatError(err)
	}
	e, err := newAuditEntry(tuopin.ActionUserCreate, "user", strconv.FormatInt(u.ID, 10), u.Scope, reason, nil, userAudit{User: u})
	if err != nil {
		return err
	}
	return tx.appendAudit(ctx, e)
}

// UpdateUser changes a user and returns its new state. A user may change
// its own name, phone and password; anything else needs CanManage on both
// the old and the new state (EFORBIDDEN). Returns ENOTFOUND for a user
// outside the caller's scope, EINVALID for bad fields or scope, and
// EINVALID on "role" or "disabled" when the change would leave no enabled
// administrator.
func (s *UserService) UpdateUser(ctx context.Context, id int64, upd tuopin.UserUpdate) (*tuopin.User, error) {
	actor := tuopin.UserFromContext(ctx)
	if actor == nil {
		return nil, errNoUser
	}
	// Hash first: it is slow, and the writer should not wait for it.
	hash := ""
	if upd.Password != nil {
		if err := tuopin.ValidatePassword(*upd.Password); err != nil {
			return nil, err
		}
		var err error
		if hash, err = hashPassword(*upd.Password); err != nil {
			return nil, err
		}
	}

	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, err := updateUser(ctx, tx, id, upd, hash)
	if err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

func updateUser(ctx context.Context, tx *Tx, id int64, upd tuopin.UserUpdate, hash string) (*tuopin.User, error) {
	actor := tx.user
	old, err := findUserInScope(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	u := *old
	if v := upd.Name; v != nil {
		u.Name = strings.TrimSpace(*v)
	}
	if v := upd.Phone; v != nil {
		u.Phone = strings.TrimSpace(*v)
	}
	if v := upd.Role; v != nil {
		u.Role = *v
	}
	if v := upd.Scope; v != nil {
		u.Scope = *v
	}
	if v := upd.Disabled; v != nil {
		u.Disabled = *v
	}

	// A user may change its own name, phone and password; anything else
	// needs the right to manage both the old and the new state.
	self := actor.ID != 0 && actor.ID == old.ID
	privileged := u.Role != old.Role || u.Scope != old.Scope || u.Disabled != old.Disabled
	if !self || privileged {
		if !actor.CanManage(old) {
			return nil, tuopin.Errorf(tuopin.EFORBIDDEN, "You may not change user %s.", old.Username)
		}
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if u.Scope != old.Scope {
		if err := checkScopeArea(ctx, tx, u.Scope); err != nil {
			return nil, err
		}
	}
	if (!self || privileged) && !actor.CanManage(&u) {
		return nil, tuopin.Errorf(tuopin.EFORBIDDEN, "You may not give user %s role %s in scope %s.", u.Username, u.Role, scopeName(u.Scope))
	}
	// Keep at least one enabled administrator.
	if old.Role == tuopin.RoleAdmin && !old.Disabled && (u.Role != tuopin.RoleAdmin || u.Disabled) {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND NOT disabled AND id <> ?`,
			string(tuopin.RoleAdmin), old.ID).Scan(&n); err != nil {
			return nil, tx.db.formatError(err)
		}
		if n == 0 {
			field := "role"
			if u.Disabled {
				field = "disabled"
			}
			return nil, tuopin.FieldErr(field, "last_admin", "%s is the last enabled administrator.", old.Username)
		}
	}
	if u == *old && hash == "" {
		return old, nil // nothing changes: no write, no audit entry
	}

	u.UpdatedAt = tx.now
	q, args := `UPDATE users SET name = ?, role = ?, scope = ?, phone = ?, disabled = ?, updated_at = ?`,
		[]any{u.Name, string(u.Role), u.Scope, u.Phone, u.Disabled, formatTime(tx.now)}
	if hash != "" {
		q, args = q+`, password_hash = ?`, append(args, hash)
	}
	if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, append(args, u.ID)...); err != nil {
		return nil, err
	}
	if u.Disabled && !old.Disabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return nil, err
		}
	}
	after := userAudit{User: &u}
	if hash != "" {
		after.Password = "changed"
	}
	e, err := newAuditEntry(tuopin.ActionUserUpdate, "user", strconv.FormatInt(u.ID, 10), u.Scope, upd.Reason, userAudit{User: old}, after)
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	return &u, nil
}

// Authenticate checks a username and password, records the login time and
// appends a "user.login" audit entry acting as that user. Returns
// EUNAUTHORIZED for an unknown user, a wrong password or a disabled
// account, without saying which.
func (s *UserService) Authenticate(ctx context.Context, username, password string) (*tuopin.User, error) {
	var hash string
	u, err := scanUser(s.db.queryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE username = ?`,
		strings.TrimSpace(username)), &hash)
	if err == sql.ErrNoRows {
		_, _ = checkPassword(dummyHash(), password) // take as long as for a known user
		return nil, errLogin
	} else if err != nil {
		return nil, s.db.formatError(err)
	}
	if ok, err := checkPassword(hash, password); err != nil || !ok || u.Disabled {
		return nil, errLogin
	}

	tx, err := s.db.beginAs(ctx, u)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, formatTime(tx.now), u.ID); err != nil {
		return nil, err
	}
	now := tx.now
	before := map[string]any{"last_login_at": u.LastLoginAt}
	u.LastLoginAt = &now
	e, err := newAuditEntry(tuopin.ActionUserLogin, "user", strconv.FormatInt(u.ID, 10), u.Scope, "", before, map[string]any{"last_login_at": u.LastLoginAt})
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// EnsureAdmin creates the first administrator when no user exists at all:
// username "admin", role admin, the whole nation as scope, and a random
// password of 16 characters that is returned, to be shown once. When any
// user exists it does nothing and returns created=false. It acts as the
// user in ctx, or as tuopin.SystemUser when there is none.
func (s *UserService) EnsureAdmin(ctx context.Context) (username, password string, created bool, err error) {
	var n int
	if err := s.db.queryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return "", "", false, s.db.formatError(err)
	} else if n > 0 {
		return "", "", false, nil
	}
	if password, err = randomPassword(16); err != nil {
		return "", "", false, err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return "", "", false, err
	}
	actor := tuopin.UserFromContext(ctx)
	if actor == nil {
		actor = tuopin.SystemUser
	}
	tx, err := s.db.beginAs(ctx, actor)
	if err != nil {
		return "", "", false, err
	}
	defer tx.Rollback()
	// Count again inside the write transaction: another process may have
	// created a user meanwhile.
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return "", "", false, s.db.formatError(err)
	} else if n > 0 {
		return "", "", false, nil
	}
	u := &tuopin.User{Username: "admin", Name: "Administrator", Role: tuopin.RoleAdmin}
	if err := createUser(ctx, tx, u, hash, "first administrator"); err != nil {
		return "", "", false, err
	}
	if err := tx.Commit(); err != nil {
		return "", "", false, err
	}
	return u.Username, password, true, nil
}

// SetPassword sets a user's password, acting as the user in ctx (the
// command line uses tuopin.SystemUser). The rules of UpdateUser apply:
// ENOTFOUND for a user the caller cannot see, EINVALID for a weak password.
func (s *UserService) SetPassword(ctx context.Context, username, password string) error {
	if tuopin.UserFromContext(ctx) == nil {
		return errNoUser
	}
	var id int64
	err := s.db.queryRow(ctx, `SELECT id FROM users WHERE username = ?`, strings.TrimSpace(username)).Scan(&id)
	if err == sql.ErrNoRows {
		return tuopin.NotFound("user")
	} else if err != nil {
		return s.db.formatError(err)
	}
	_, err = s.UpdateUser(ctx, id, tuopin.UserUpdate{Password: &password, Reason: "password reset"})
	return err
}
