package apphttp

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/tuopin/tuopin"
)

// The import API mirrors the pages: POST a file, run the dry run, read the
// job (poll it while it runs), commit or cancel, download the report.

// apiImportsOff answers when the server runs no imports.
func (s *Server) apiImportsOff(w http.ResponseWriter, r *http.Request) bool {
	if s.svc.Imports == nil {
		s.apiNotFound(w, r)
		return true
	}
	return false
}

// apiImportList lists the jobs in the caller's scope, newest first.
func (s *Server) apiImportList(w http.ResponseWriter, r *http.Request) {
	if s.apiImportsOff(w, r) {
		return
	}
	q := r.URL.Query()
	offset, limit, err := paging(q)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	f := tuopin.ImportFilter{Offset: offset, Limit: limit}
	if v := q.Get("status"); v != "" {
		f.Status = &v
	}
	jobs, n, err := s.svc.Imports.FindImports(r.Context(), f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(jobs, n, offset, limit))
}

// apiImportCreate takes a multipart upload: the part "file" and the
// optional fields sheet (from 1), encoding, year, policy and validate
// ("true" starts the dry run at once with the proposed mapping).
func (s *Server) apiImportCreate(w http.ResponseWriter, r *http.Request) {
	if s.apiImportsOff(w, r) {
		return
	}
	if r.ContentLength > s.uploadLimit() {
		s.jsonError(w, r, s.errUploadTooLarge())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.uploadLimit())
	if err := r.ParseMultipartForm(uploadMemory); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.jsonError(w, r, s.errUploadTooLarge())
			return
		}
		s.jsonError(w, r, errMalformed("The body must be multipart/form-data with the spreadsheet in the part \"file\"."))
		return
	}
	defer r.MultipartForm.RemoveAll()
	opts, _, err := parseImportOptions(r.PostForm)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		s.jsonError(w, r, tuopin.FieldErr("file", "required", "The spreadsheet goes in the multipart part \"file\"."))
		return
	}
	f, err := files[0].Open()
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	defer f.Close()
	j, err := s.svc.Imports.CreateImport(r.Context(), tuopin.ImportUpload{FileName: files[0].Filename, Body: f, Options: opts})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if v, _ := strconv.ParseBool(r.PostForm.Get("validate")); v {
		if j, err = s.svc.Imports.ValidateImport(r.Context(), j.ID, nil); err != nil {
			s.jsonError(w, r, err)
			return
		}
	}
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(j.ID, 10))
	writeJSON(w, http.StatusCreated, j)
}

// apiImportGet returns a job with its live progress.
func (s *Server) apiImportGet(w http.ResponseWriter, r *http.Request) {
	if s.apiImportsOff(w, r) {
		return
	}
	id, err := importID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	j, err := s.svc.Imports.FindImportByID(r.Context(), id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// importChangeBody is the optional body of POST …/validate.
type importChangeBody struct {
	Mapping  *tuopin.ImportMapping `json:"mapping"`
	Sheet    *int                  `json:"sheet"` // from 1
	Encoding *string               `json:"encoding"`
	Year     *int                  `json:"year"`
	Policy   *string               `json:"policy"`
}

// readOptionalJSON decodes a JSON body into v unless the body is empty.
func readOptionalJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxJSONLen))
	if err != nil {
		return errMalformed("Request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return decodeJSON(r, v)
}

// apiImportValidate applies an optional change and starts the dry run.
func (s *Server) apiImportValidate(w http.ResponseWriter, r *http.Request) {
	if s.apiImportsOff(w, r) {
		return
	}
	id, err := importID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var body importChangeBody
	if err := readOptionalJSON(r, &body); err != nil {
		s.jsonError(w, r, err)
		return
	}
	change := &tuopin.ImportChange{Mapping: body.Mapping, Encoding: body.Encoding, Year: body.Year, Policy: body.Policy}
	if body.Sheet != nil {
		sheet := *body.Sheet - 1
		change.Sheet = &sheet
	}
	j, err := s.svc.Imports.ValidateImport(r.Context(), id, change)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	status := http.StatusAccepted
	if j.Status == tuopin.ImportUploaded {
		status = http.StatusOK // another sheet or encoding: a new mapping to confirm
	}
	writeJSON(w, status, j)
}

// apiImportCommit starts the commit, with an optional {"policy": …}.
func (s *Server) apiImportCommit(w http.ResponseWriter, r *http.Request) {
	if s.apiImportsOff(w, r) {
		return
	}
	id, err := importID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var body struct {
		Policy string `json:"policy"`
	}
	if err := readOptionalJSON(r, &body); err != nil {
		s.jsonError(w, r, err)
		return
	}
	j, err := s.svc.Imports.CommitImport(r.Context(), id, body.Policy)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, j)
}

// apiImportCancel stops a job.
func (s *Server) apiImportCancel(w http.ResponseWriter, r *http.Request) {
	if s.apiImportsOff(w, r) {
		return
	}
	id, err := importID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	j, err := s.svc.Imports.CancelImport(r.Context(), id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, j)
}

// apiImportReport downloads the report of refused rows.
func (s *Server) apiImportReport(w http.ResponseWriter, r *http.Request) {
	if s.apiImportsOff(w, r) {
		return
	}
	s.serveImportReport(w, r, s.jsonError)
}
