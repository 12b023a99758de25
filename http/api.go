package apphttp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

// API paging bounds.
const (
	apiDefaultLimit = 50
	apiMaxLimit     = 500
	maxJSONLen      = 4 << 20
)

// withBearer authenticates API requests by "Authorization: Bearer
// <token>" and puts the token's owner into the context. Cookies are
// ignored on purpose: a browser sends them by itself, a bearer token it
// does not, so the API cannot be driven by a forged cross-site request.
func (s *Server) withBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tuopin"`)
			s.jsonError(w, r, tuopin.Errorf(tuopin.EUNAUTHORIZED, "A bearer token is required: Authorization: Bearer <token>."))
			return
		}
		user, err := s.svc.Auth.FindUserByAPIToken(r.Context(), token)
		if err != nil {
			if tuopin.ErrorCode(err) == tuopin.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tuopin", error="invalid_token"`)
			}
			s.jsonError(w, r, err)
			return
		}
		state(r).user = user
		next.ServeHTTP(w, r.WithContext(tuopin.NewContextWithUser(r.Context(), user)))
	})
}

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error struct {
		Code    string                       `json:"code"`
		Message string                       `json:"message"`
		Fields  map[string]tuopin.FieldError `json:"fields,omitempty"`
	} `json:"error"`
}

// jsonError writes err as {"error":{"code","message","fields"}} with the
// status of its code. Internal errors are logged and say nothing more.
func (s *Server) jsonError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	status, code, msg, fields := errorInfo(err)
	var body errorBody
	body.Error.Code, body.Error.Message, body.Error.Fields = code, msg, fields
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"Internal error."}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// listBody is the JSON shape of every paged list.
type listBody[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

func newList[T any](items []T, total, offset, limit int) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, Total: total, Offset: offset, Limit: limit}
}

// decodeJSON reads one JSON value from the body into v, refusing unknown
// fields and trailing data. Syntax and type errors become 400 errors that
// say where (line and column, and the field).
func decodeJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONLen))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errMalformed(fmt.Sprintf("Request body is larger than %d bytes.", maxJSONLen))
		}
		return errMalformed("Request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errMalformed("Request body is empty; a JSON object is expected.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonSyntaxError(body, err)
	}
	if dec.More() {
		return errMalformed("Unexpected data after the JSON value at " + position(body, dec.InputOffset()) + ".")
	}
	return nil
}

// jsonSyntaxError turns a decoding error into a 400 that says where.
func jsonSyntaxError(body []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the bad one included.
		return errMalformed(fmt.Sprintf("Malformed JSON at %s: %s.", position(body, max(syn.Offset-1, 0)), syn.Error()))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return errMalformed(fmt.Sprintf("Field %q at %s must be %s, not %s.", field, position(body, typ.Offset), jsonTypeName(typ.Type.Kind().String()), typ.Value))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errMalformed("Malformed JSON: the body ends before the value is complete.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errMalformed("Unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ") + ".")
	}
	return errMalformed("Malformed JSON: " + err.Error() + ".")
}

func jsonTypeName(kind string) string {
	switch kind {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return kind
}

// position converts a byte offset into "line L, column C" (1-based).
func position(body []byte, offset int64) string {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	line, col := 1, 1
	for _, c := range body[:offset] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

// paging reads ?offset= and ?limit= (default 50, at most 500).
func paging(q url.Values) (offset, limit int, err error) {
	offset, limit = 0, apiDefaultLimit
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return 0, 0, errMalformed("offset must be a non-negative integer.")
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > apiMaxLimit {
			return 0, 0, errMalformed(fmt.Sprintf("limit must be an integer from 1 to %d.", apiMaxLimit))
		}
	}
	return offset, limit, nil
}

// queryInt reads an optional integer query parameter.
func queryInt(q url.Values, name string) (*int, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, errMalformed(name + " must be an integer.")
	}
	return &n, nil
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.jsonError(w, r, tuopin.Errorf(tuopin.ENOTFOUND, "No such API route: %s %s.", r.Method, r.URL.Path))
}

// apiMe returns the calling user.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, state(r).user)
}

// apiCodes returns the code tables, optionally one kind (?kind=status).
func (s *Server) apiCodes(w http.ResponseWriter, r *http.Request) {
	set, err := s.svc.Codes.FindCodeSet(r.Context())
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	kinds := tuopin.CodeKinds
	if k := r.URL.Query().Get("kind"); k != "" {
		kinds = []string{k}
	}
	var items []tuopin.Code
	for _, k := range kinds {
		items = append(items, set.List(k, 0)...)
	}
	writeJSON(w, http.StatusOK, newList(items, len(items), 0, len(items)))
}
