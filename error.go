package tuopin

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Application error codes. They are few on purpose: each maps to one HTTP
// status in the http package and to one kind of message in the UI.
const (
	ECONFLICT       = "conflict"          // unique key taken, or stale version
	EINTERNAL       = "internal"          // a bug or an unavailable dependency
	EINVALID        = "invalid"           // input failed validation; see Fields
	ENOTFOUND       = "not_found"         // missing, or outside the caller's scope
	EUNAUTHORIZED   = "unauthorized"      // no valid credentials
	EFORBIDDEN      = "forbidden"         // visible, but the role may not do this
	ETOOMANYREQUEST = "too_many_requests" // rate limit hit
)

// FieldError is the reason one input field was refused. Code is a stable,
// machine-readable key ("required", "id_checksum", "out_of_scope" …) that the
// UI translates; Message is the English default text.
type FieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the application error. Only errors of this type are shown to
// users; anything else is reported as EINTERNAL with a generic message.
type Error struct {
	Code    string
	Message string
	// Fields holds per-field reasons for EINVALID, keyed by the field's
	// JSON name; member fields are keyed as "members[2].id_number".
	Fields map[string]FieldError
}

// Error implements the error interface.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("tuopin error: code=%s message=%s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", k, e.Fields[k].Message)
	}
	return fmt.Sprintf("tuopin error: code=%s message=%s fields=[%s]", e.Code, e.Message, b.String())
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an application error, "" for nil and
// EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of an application error, "" for nil and
// a generic message for any other error, so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the field errors of an application error, or nil.
func ErrorFields(err error) map[string]FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Fields collects field errors while validating. The zero value is ready
// to use; Err returns nil when nothing was added.
type Fields map[string]FieldError

// Add records a reason for a field; the first reason for a field wins.
func (f *Fields) Add(field, code, format string, args ...any) {
	if *f == nil {
		*f = make(Fields)
	}
	if _, ok := (*f)[field]; ok {
		return
	}
	(*f)[field] = FieldError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Merge adds every reason of other under prefix (e.g. "members[1].").
func (f *Fields) Merge(prefix string, other map[string]FieldError) {
	for k, v := range other {
		if *f == nil {
			*f = make(Fields)
		}
		if _, ok := (*f)[prefix+k]; !ok {
			(*f)[prefix+k] = v
		}
	}
}

// Err returns an EINVALID *Error holding the collected reasons, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields are invalid.", Fields: map[string]FieldError(f)}
}

// FieldErr is a shortcut for an EINVALID error about a single field.
func FieldErr(field, code, format string, args ...any) error {
	var f Fields
	f.Add(field, code, format, args...)
	return f.Err()
}

// NotFound returns the ENOTFOUND error used for records that are missing or
// outside the caller's scope; the two cases are deliberately not told apart.
func NotFound(kind string) error {
	return Errorf(ENOTFOUND, "%s not found or not permitted.", kind)
}
