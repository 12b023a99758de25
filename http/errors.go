package apphttp

import (
	"errors"
	"net/http"

	"github.com/tuopin/tuopin"
)

// statusCodes maps application error codes to HTTP statuses; it is the one
// place where that mapping lives.
//
// EINVALID is 422 Unprocessable Content: the request was well-formed but a
// field was refused, and the body names the fields. A request that cannot
// be read at all (malformed JSON, a query parameter that is not a number)
// is 400 Bad Request, with the same "invalid" code and a message saying
// where it broke; see errMalformed.
//
// ENOTFOUND covers records that do not exist and records outside the
// caller's scope alike, so that a 404 reveals nothing.
var statusCodes = map[string]int{
	tuopin.EINVALID:        http.StatusUnprocessableEntity,
	tuopin.ENOTFOUND:       http.StatusNotFound,
	tuopin.EUNAUTHORIZED:   http.StatusUnauthorized,
	tuopin.EFORBIDDEN:      http.StatusForbidden,
	tuopin.ECONFLICT:       http.StatusConflict,
	tuopin.ETOOMANYREQUEST: http.StatusTooManyRequests,
	tuopin.EINTERNAL:       http.StatusInternalServerError,
}

// malformedError is a request that could not be parsed: 400, code invalid.
type malformedError struct{ msg string }

func (e *malformedError) Error() string { return e.msg }

// errMalformed reports unreadable input (400 rather than 422).
func errMalformed(msg string) error { return &malformedError{msg: msg} }

// errorInfo returns the status, code, message and field errors that may be
// shown for err. Internal errors get a generic message.
func errorInfo(err error) (status int, code, message string, fields map[string]tuopin.FieldError) {
	var mal *malformedError
	if errors.As(err, &mal) {
		return http.StatusBadRequest, tuopin.EINVALID, mal.msg, nil
	}
	code = tuopin.ErrorCode(err)
	status, ok := statusCodes[code]
	if !ok {
		status, code = http.StatusInternalServerError, tuopin.EINTERNAL
	}
	return status, code, tuopin.ErrorMessage(err), tuopin.ErrorFields(err)
}

// logIfInternal logs err when it is (or maps to) an internal error; the
// others are the caller's mistakes and need no log line.
func (s *Server) logIfInternal(r *http.Request, err error) {
	var mal *malformedError
	if errors.As(err, &mal) {
		return
	}
	if code := tuopin.ErrorCode(err); code == tuopin.EINTERNAL || statusCodes[code] == 0 {
		s.log.Error("internal error", "req_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err.Error())
	}
}

// crossOriginDenied answers a request refused by CrossOriginProtection.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.htmlError(w, r, tuopin.Errorf(tuopin.EFORBIDDEN, "Cross-origin request refused."))
}
