package tuopin

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Role decides what a user may do; the user's Scope decides where.
// Values are persisted: never rename them.
type Role string

// The roles of a county campaign office.
const (
	RoleAdmin            Role = "admin"             // system administrator
	RoleCountyAdmin      Role = "county_admin"      // 县指挥部/扶贫办
	RoleTownshipClerk    Role = "township_clerk"    // 乡镇扶贫工作站
	RoleVillageSecretary Role = "village_secretary" // 第一书记/村两委
	RoleHelpCadre        Role = "help_cadre"        // 帮扶干部
	RoleViewer           Role = "viewer"            // leaders, audit: read only
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleCountyAdmin, RoleTownshipClerk, RoleVillageSecretary, RoleHelpCadre, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// rank orders roles for "may create a user of this role": lower is stronger.
func (r Role) rank() int {
	for i, x := range Roles {
		if r == x {
			return i
		}
	}
	return len(Roles)
}

// CanEditRegistry reports whether the role may create and change households.
func (r Role) CanEditRegistry() bool {
	switch r {
	case RoleAdmin, RoleCountyAdmin, RoleTownshipClerk, RoleVillageSecretary:
		return true
	}
	return false
}

// CanManageUsers reports whether the role may create and change users
// (within its own scope, and only of weaker roles).
func (r Role) CanManageUsers() bool { return r == RoleAdmin || r == RoleCountyAdmin }

// CanViewAudit reports whether the role may read the audit log of its scope.
// Every role may: whoever sees a record may see who changed it and why, and
// the scope predicate keeps each user to the entries of its own area. A
// village can so check what the township changed in its records.
func (r Role) CanViewAudit() bool { return r.Valid() }

// User is a person who logs in. Scope is a significant area prefix
// ("" = the whole nation, "451224" = 东兰县); the user sees and acts only
// on records whose area code starts with it.
type User struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	Scope       string     `json:"scope"`
	Phone       string     `json:"phone,omitempty"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
}

// SystemUser acts for command-line tasks (migrate, demo, areas import). It
// is an admin with national scope; its ID 0 is never stored in users.
var SystemUser = &User{ID: 0, Username: "system", Name: "system", Role: RoleAdmin}

// Validate checks a user record (not its password).
func (u *User) Validate() error {
	var f Fields
	validateUsername(&f, u.Username)
	if strings.TrimSpace(u.Name) == "" {
		f.Add("name", "required", "Name is required.")
	} else if utf8.RuneCountInString(u.Name) > 50 {
		f.Add("name", "too_long", "Name must be at most 50 characters.")
	}
	if !u.Role.Valid() {
		f.Add("role", "invalid_choice", "Unknown role %q.", string(u.Role))
	}
	if _, ok := LevelOfPrefix(u.Scope); !ok {
		f.Add("scope", "invalid_scope", "Scope must be an area code prefix of 2, 4, 6, 9 or 12 digits.")
	} else if u.Scope == "" && u.Role != RoleAdmin && u.Role.Valid() {
		f.Add("scope", "required", "Only an administrator may have the whole nation as scope.")
	}
	return f.Err()
}

func validateUsername(f *Fields, s string) {
	if s == "" {
		f.Add("username", "required", "Username is required.")
		return
	}
	if len(s) < 3 || len(s) > 32 {
		f.Add("username", "invalid_username", "Username must be 3 to 32 characters.")
		return
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			f.Add("username", "invalid_username", "Username may use only lower-case letters, digits, '_', '.' and '-'.")
			return
		}
	}
}

// ValidatePassword checks a new password's strength.
func ValidatePassword(p string) error {
	if utf8.RuneCountInString(p) < 8 {
		return FieldErr("password", "too_short", "Password must be at least 8 characters.")
	}
	if len(p) > 128 {
		return FieldErr("password", "too_long", "Password must be at most 128 bytes.")
	}
	return nil
}

// CanManage reports whether actor may create or change target: actor must
// manage users, target must sit inside actor's scope, and target's role
// must be weaker than actor's (an admin may manage other admins).
func (actor *User) CanManage(target *User) bool {
	if actor == nil || !actor.Role.CanManageUsers() {
		return false
	}
	if !strings.HasPrefix(target.Scope, actor.Scope) {
		return false
	}
	if actor.Role == RoleAdmin {
		return true
	}
	return target.Role.rank() > actor.Role.rank()
}

// UserFilter selects users; the caller's scope is always applied as well.
type UserFilter struct {
	ID       *int64
	Username *string
	Query    string // name or username contains
	Offset   int
	Limit    int
}

// UserUpdate holds the fields to change; nil means unchanged.
type UserUpdate struct {
	Name     *string
	Role     *Role
	Scope    *string
	Phone    *string
	Disabled *bool
	Password *string
	Reason   string
}

// UserService manages users and their passwords.
type UserService interface {
	// FindUserByID returns a user inside the caller's scope (any user may
	// read itself). Returns ENOTFOUND otherwise.
	FindUserByID(ctx context.Context, id int64) (*User, error)

	// FindUsers lists users inside the caller's scope, ordered by username.
	FindUsers(ctx context.Context, filter UserFilter) ([]*User, int, error)

	// CreateUser stores a new user with a hashed password. The caller must
	// be able to manage the new user (EFORBIDDEN). Returns EINVALID for bad
	// fields, an unknown or out-of-scope scope area, or a weak password, and
	// ECONFLICT if the username is taken.
	CreateUser(ctx context.Context, u *User, password string) error

	// UpdateUser changes a user. A user may change its own name, phone and
	// password; anything else needs CanManage on both old and new state.
	UpdateUser(ctx context.Context, id int64, upd UserUpdate) (*User, error)

	// Authenticate checks a username and password and records the login.
	// Returns EUNAUTHORIZED for an unknown user, a wrong password or a
	// disabled account, without saying which.
	Authenticate(ctx context.Context, username, password string) (*User, error)
}

// Session is a logged-in browser. Its cookie value is "id.secret"; only a
// hash of the secret is stored.
type Session struct {
	ID        string    `json:"id"`
	UserID    int64     `json:"user_id"`
	CSRFToken string    `json:"-"`
	Lang      string    `json:"lang"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// APIToken is a bearer credential for the JSON API. Only a hash of the
// token is stored; the plain token is shown once, when created.
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // first characters, to recognise it
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// AuthService keeps browser sessions and API tokens.
type AuthService interface {
	// CreateSession starts a session for a user and returns the cookie value.
	CreateSession(ctx context.Context, userID int64, lang string, ttl time.Duration) (cookie string, s *Session, err error)

	// FindSession returns a live session and its (enabled) user. Returns
	// EUNAUTHORIZED for a malformed, unknown, expired or disabled one.
	FindSession(ctx context.Context, cookie string) (*Session, *User, error)

	// UpdateSessionLang stores the UI language chosen in a session.
	UpdateSessionLang(ctx context.Context, sessionID, lang string) error

	// DeleteSession ends a session (logout). Unknown sessions are ignored.
	DeleteSession(ctx context.Context, cookie string) error

	// CreateAPIToken issues a token for the calling user and returns the
	// plain token, which is not stored.
	CreateAPIToken(ctx context.Context, name string) (token string, t *APIToken, err error)

	// FindUserByAPIToken returns the (enabled) owner of a bearer token.
	// Returns EUNAUTHORIZED otherwise.
	FindUserByAPIToken(ctx context.Context, token string) (*User, error)

	// FindAPITokens lists the calling user's tokens.
	FindAPITokens(ctx context.Context) ([]*APIToken, error)

	// DeleteAPIToken revokes one of the calling user's tokens (ENOTFOUND).
	DeleteAPIToken(ctx context.Context, id int64) error
}

type userContextKey struct{}

// NewContextWithUser returns a context that carries the acting user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey{}, u)
}

// UserFromContext returns the acting user, or nil for an anonymous call.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey{}).(*User)
	return u
}

// ScopeFromContext returns the acting user's scope prefix. ok is false
// when no user is in the context: such calls must see nothing.
func ScopeFromContext(ctx context.Context) (prefix string, ok bool) {
	u := UserFromContext(ctx)
	if u == nil {
		return "", false
	}
	return u.Scope, true
}

// InScope reports whether the acting user's scope covers an area code.
func InScope(ctx context.Context, code string) bool {
	p, ok := ScopeFromContext(ctx)
	return ok && strings.HasPrefix(code, p)
}
