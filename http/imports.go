package apphttp

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// Spreadsheet imports: a list of jobs, an upload form, and a page per job
// with its column mapping, live progress, counts, refused rows and the
// dry run / commit / cancel buttons. The work is done by
// tuopin.ImportService (package jobs); these handlers only parse and show.

// Views of the import pages.
const (
	viewImports   = "imports"
	viewImport    = "import"
	viewImportNew = "import_new"
)

const (
	// defaultMaxUploadBytes bounds an upload unless Config says otherwise.
	defaultMaxUploadBytes = 256 << 20
	// uploadMemory is how much of a multipart upload is held in memory;
	// the rest is spooled to a temporary file.
	uploadMemory = 8 << 20
)

// CanImport reports whether the user may import spreadsheets here.
func (v *view) CanImport() bool { return v.imports && v.CanEdit() }

// isUpload reports a multipart upload of a spreadsheet to the HTML
// surface by a user who may import, which may exceed the form bound (see
// withSession). Anyone else's upload keeps the form bound, so that it is
// not spooled to disk before being refused.
func (s *Server) isUpload(r *http.Request) bool {
	u := state(r).user
	return r.Method == http.MethodPost && r.URL.Path == "/imports" && s.svc.Imports != nil &&
		u != nil && u.Role.CanEditRegistry() &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

// uploadLimit is the bound of an upload's body: the file and some room for
// the other fields.
func (s *Server) uploadLimit() int64 { return s.cfg.MaxUploadBytes + 1<<20 }

// errUploadTooLarge is the refusal of a file over the bound.
func (s *Server) errUploadTooLarge() error {
	return tuopin.FieldErr("file", "file_too_large", "The file is larger than %d MB, the most an import takes; split it by township and import the parts.",
		s.cfg.MaxUploadBytes>>20)
}

// uploadTooLarge answers an upload whose declared size is over the bound
// before its body is read: the upload form again, saying so.
func (s *Server) uploadTooLarge(w http.ResponseWriter, r *http.Request) {
	if state(r).user == nil || s.svc.Imports == nil {
		s.htmlError(w, r, tuopin.Errorf(tuopin.EINVALID, "The upload is too large."))
		return
	}
	s.renderImportNew(w, r, http.StatusRequestEntityTooLarge, nil, s.errUploadTooLarge())
}

// importsOff answers when the server runs no imports.
func (s *Server) importsOff(w http.ResponseWriter, r *http.Request) bool {
	if s.svc.Imports == nil {
		s.notFound(w, r)
		return true
	}
	return false
}

// importStatusClass names the badge colour of a job status.
func importStatusClass(status string) string {
	switch status {
	case tuopin.ImportDone:
		return "badge-green"
	case tuopin.ImportValidated:
		return "badge-blue"
	case tuopin.ImportQueued, tuopin.ImportValidating, tuopin.ImportCommitting:
		return "badge-amber"
	case tuopin.ImportFailed:
		return "badge-red"
	}
	return "badge-grey"
}

// importsData is the list page.
type importsData struct {
	*view
	Items   []*tuopin.ImportJob
	Pager   *pager
	Running bool
}

// StatusClass is importStatusClass for the template.
func (d *importsData) StatusClass(status string) string { return importStatusClass(status) }

// importList lists the jobs in the user's scope, newest first; while one
// runs the table refreshes itself.
func (s *Server) importList(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	const size = 25
	page := pageFromQuery(r.URL.Query())
	jobs, n, err := s.svc.Imports.FindImports(r.Context(), tuopin.ImportFilter{Offset: (page - 1) * size, Limit: size})
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d := &importsData{view: s.newView(w, r, "imports"), Items: jobs, Pager: newPager("/imports", r.URL.Query(), page, size, n)}
	for _, j := range jobs {
		d.Running = d.Running || j.Running()
	}
	if r.Header.Get("HX-Request") == "true" {
		s.renderBlock(w, r, http.StatusOK, viewImports, "imports_table", d)
		return
	}
	s.render(w, r, http.StatusOK, viewImports, d)
}

// importForm is the upload form as typed.
type importForm struct {
	Sheet    string
	Encoding string
	Year     string
	Policy   string
}

// importNewData is the upload page.
type importNewData struct {
	*view
	Form     importForm
	Years    []int
	MaxBytes int64
}

// MaxMB is the upload bound in MB.
func (d *importNewData) MaxMB() int64 { return d.MaxBytes >> 20 }

func (s *Server) importNew(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	s.renderImportNew(w, r, http.StatusOK, nil, nil)
}

// renderImportNew shows the upload form, filled from form (nil: the
// defaults) and with err's field errors.
func (s *Server) renderImportNew(w http.ResponseWriter, r *http.Request, status int, form *importForm, err error) {
	d := &importNewData{view: s.newView(w, r, "imports"), MaxBytes: s.cfg.MaxUploadBytes}
	// The registry's years, newest first, and this year; the newest
	// registry year is proposed.
	years, yerr := s.svc.Households.FindYears(r.Context())
	if yerr != nil {
		s.logIfInternal(r, yerr)
	}
	d.Years = yearOptions(years, time.Now().Year())
	if len(years) > 0 && form == nil {
		form = &importForm{Year: strconv.Itoa(years[0])}
	}
	if form == nil {
		form = &importForm{Year: strconv.Itoa(time.Now().Year())}
	}
	if form.Sheet == "" {
		form.Sheet = "1"
	}
	if form.Encoding == "" {
		form.Encoding = tuopin.ImportEncodingAuto
	}
	if form.Policy == "" {
		form.Policy = tuopin.ImportAllOrNothing
	}
	d.Form = *form
	if err != nil {
		s.logIfInternal(r, err)
		_, _, msg, fields := errorInfo(err)
		d.Errors = fields
		d.FormError = translate(d.Lang, "form.has_errors")
		if len(fields) == 0 {
			d.FormError = msg
		}
	}
	s.render(w, r, status, viewImportNew, d)
}

// parseImportOptions reads the options of the upload form.
func parseImportOptions(form url.Values) (tuopin.ImportOptions, *importForm, error) {
	f := &importForm{Sheet: strings.TrimSpace(form.Get("sheet")), Encoding: form.Get("encoding"), Year: strings.TrimSpace(form.Get("year")), Policy: form.Get("policy")}
	o := tuopin.ImportOptions{Encoding: f.Encoding, Policy: f.Policy}
	var fe tuopin.Fields
	if f.Sheet != "" {
		n, err := strconv.Atoi(f.Sheet)
		if err != nil || n < 1 {
			fe.Add("sheet", "invalid_sheet", "Sheet must be a number from 1.")
		}
		o.Sheet = n - 1
	}
	if f.Year != "" {
		n, err := strconv.Atoi(f.Year)
		if err != nil {
			fe.Add("year", "invalid_year", "Year must be a four-digit year.")
		}
		o.Year = n
	}
	return o, f, fe.Err()
}

// importCreate stores an uploaded file as a job and shows its page. The
// multipart form was parsed (and the file spooled) by the CSRF check.
func (s *Server) importCreate(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	if r.MultipartForm == nil {
		if err := r.ParseMultipartForm(uploadMemory); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.renderImportNew(w, r, http.StatusRequestEntityTooLarge, nil, s.errUploadTooLarge())
				return
			}
			s.renderImportNew(w, r, http.StatusBadRequest, nil, tuopin.FieldErr("file", "required", "Choose a file to import."))
			return
		}
	}
	defer r.MultipartForm.RemoveAll()
	opts, form, err := parseImportOptions(r.PostForm)
	if err != nil {
		s.renderImportNew(w, r, http.StatusUnprocessableEntity, form, err)
		return
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 || files[0].Size == 0 && files[0].Filename == "" {
		s.renderImportNew(w, r, http.StatusUnprocessableEntity, form, tuopin.FieldErr("file", "required", "Choose a file to import."))
		return
	}
	f, err := files[0].Open()
	if err != nil {
		s.renderImportNew(w, r, http.StatusBadRequest, form, err)
		return
	}
	defer f.Close()
	j, err := s.svc.Imports.CreateImport(r.Context(), tuopin.ImportUpload{FileName: files[0].Filename, Body: f, Options: opts})
	if err != nil {
		s.renderImportNew(w, r, http.StatusUnprocessableEntity, form, err)
		return
	}
	s.setFlash(w, "flash.import_uploaded")
	http.Redirect(w, r, "/imports/"+strconv.FormatInt(j.ID, 10), http.StatusSeeOther)
}

// fieldChoice is one option of a column's field select.
type fieldChoice struct {
	Key    string
	Label  string
	Stored bool
}

// mappingRow is one column of the mapping table.
type mappingRow struct {
	tuopin.ImportColumn
	Error string
}

// importData is a job's page.
type importData struct {
	*view
	Job     *tuopin.ImportJob
	Rows    []mappingRow
	Choices []fieldChoice
	Form    importForm
	Years   []int
	// MappingErrors are the reasons the mapping cannot import yet.
	MappingErrors map[string]tuopin.FieldError
	CommitPolicy  string
}

// StatusClass is importStatusClass for the template.
func (d *importData) StatusClass(status string) string { return importStatusClass(status) }

// FieldLabel names a field key in the page's language.
func (d *importData) FieldLabel(key string) string {
	if f, ok := xlsx.LookupField(key); ok {
		if d.Lang == langEN {
			return f.LabelEn
		}
		return f.Label
	}
	return key
}

// IsCSV reports a CSV file, whose encoding may be chosen.
func (d *importData) IsCSV() bool { return d.Job.Format == string(xlsx.FormatCSV) }

// AllOrNothingBlocked reports a dry run whose refused rows rule out the
// all-or-nothing policy.
func (d *importData) AllOrNothingBlocked() bool {
	return d.Job.Status == tuopin.ImportValidated && d.Job.Counts.RefusedRows > 0
}

// SizeText formats the file size: "6.3 MB", "2.9 KB".
func (d *importData) SizeText() string {
	if n := d.Job.FileSize; n < 1<<20 {
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(float64(d.Job.FileSize)/(1<<20), 'f', 1, 64) + " MB"
}

// Percent is the job's progress.
func (d *importData) Percent() int { return d.Job.Progress.Percent() }

// BarClass is the width class of the progress bar.
func (d *importData) BarClass() string { return pctClass(d.Job.Progress.Percent(), 100) }

// importID reads the {id} of an import route.
func importID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, tuopin.NotFound("Import")
	}
	return id, nil
}

// loadImport builds a job's page.
func (s *Server) loadImport(w http.ResponseWriter, r *http.Request) (*importData, error) {
	id, err := importID(r)
	if err != nil {
		return nil, err
	}
	j, err := s.svc.Imports.FindImportByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &importData{view: s.newView(w, r, "imports"), Job: j, CommitPolicy: j.Options.Policy}
	if d.AllOrNothingBlocked() {
		d.CommitPolicy = tuopin.ImportSkipRefused
	}
	d.Form = importForm{Sheet: strconv.Itoa(j.Options.Sheet + 1), Encoding: j.Options.Encoding, Policy: j.Options.Policy}
	if j.Options.Year != 0 {
		d.Form.Year = strconv.Itoa(j.Options.Year)
	}
	years, _ := s.svc.Households.FindYears(r.Context())
	now := time.Now().Year()
	d.Years = yearOptions(yearOptions(years, now), j.Options.Year)
	for _, f := range xlsx.KnownFields {
		label := f.Label
		if d.Lang == langEN {
			label = f.LabelEn
		}
		d.Choices = append(d.Choices, fieldChoice{Key: f.Key, Label: label, Stored: f.Stored})
	}
	if j.Mapping != nil {
		m := toXLSX(j.Mapping)
		if err := m.Check(); err != nil {
			d.MappingErrors = tuopin.ErrorFields(err)
		}
		for _, c := range j.Mapping.Columns {
			row := mappingRow{ImportColumn: c}
			if fe, ok := d.MappingErrors[c.Field]; ok && c.Field != "" {
				row.Error = fieldMessage(d.Lang, fe)
			}
			d.Rows = append(d.Rows, row)
		}
	}
	return d, nil
}

// toXLSX converts a stored mapping for its checks.
func toXLSX(m *tuopin.ImportMapping) *xlsx.Mapping {
	out := &xlsx.Mapping{HeaderRow: m.HeaderRow, HeaderRows: m.HeaderRows, Fingerprint: m.Fingerprint}
	for _, c := range m.Columns {
		out.Columns = append(out.Columns, xlsx.MappedColumn{Index: c.Index, Letter: c.Letter, Header: c.Header, Field: c.Field, Status: c.Status, Marked: c.Marked})
	}
	return out
}

func (s *Server) importDetail(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	d, err := s.loadImport(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewImport, d)
}

// importProgress is the live part of a job's page, polled by htmx while
// the job runs. When it has stopped, the whole page is reloaded to show
// the results.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	d, err := s.loadImport(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if !d.Job.Running() {
		w.Header().Set("HX-Refresh", "true")
	}
	s.renderBlock(w, r, http.StatusOK, viewImport, "import_progress", d)
}

// importFailed shows a job's page again with the error of an action.
func (s *Server) importFailed(w http.ResponseWriter, r *http.Request, err error) {
	code := tuopin.ErrorCode(err)
	if code != tuopin.EINVALID && code != tuopin.ECONFLICT {
		s.htmlError(w, r, err)
		return
	}
	d, lerr := s.loadImport(w, r)
	if lerr != nil {
		s.htmlError(w, r, lerr)
		return
	}
	status, _, msg, fields := errorInfo(err)
	d.Errors = fields
	d.FormError = translate(d.Lang, "form.has_errors")
	if len(fields) == 0 {
		d.FormError = msg
		if code == tuopin.ECONFLICT {
			d.FormError = translate(d.Lang, "imports.conflict")
		}
	}
	s.render(w, r, status, viewImport, d)
}

// importValidate applies the mapping and options of the page's form and
// starts the dry run.
func (s *Server) importValidate(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	id, err := importID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	j, err := s.svc.Imports.FindImportByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	opts, _, err := parseImportOptions(r.PostForm)
	if err != nil {
		s.importFailed(w, r, err)
		return
	}
	change := &tuopin.ImportChange{Sheet: &opts.Sheet, Year: &opts.Year}
	if r.PostForm.Has("encoding") {
		change.Encoding = &opts.Encoding
	}
	if r.PostForm.Has("policy") {
		change.Policy = &opts.Policy
	}
	if j.Mapping != nil {
		m := *j.Mapping
		m.Columns = append([]tuopin.ImportColumn(nil), j.Mapping.Columns...)
		for i := range m.Columns {
			if k := "col." + strconv.Itoa(m.Columns[i].Index); r.PostForm.Has(k) {
				m.Columns[i].Field = strings.TrimSpace(r.PostForm.Get(k))
			}
		}
		change.Mapping = &m
	}
	j, err = s.svc.Imports.ValidateImport(r.Context(), id, change)
	if err != nil {
		s.importFailed(w, r, err)
		return
	}
	if j.Status == tuopin.ImportUploaded {
		s.setFlash(w, "flash.import_reinspected") // another sheet or encoding
	}
	http.Redirect(w, r, fmt.Sprintf("/imports/%d", id), http.StatusSeeOther)
}

// importCommit starts the commit with the policy chosen on the page.
func (s *Server) importCommit(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	id, err := importID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if _, err := s.svc.Imports.CommitImport(r.Context(), id, r.PostForm.Get("policy")); err != nil {
		s.importFailed(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/imports/%d", id), http.StatusSeeOther)
}

// importCancel stops a job (a running commit is rolled back).
func (s *Server) importCancel(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	id, err := importID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if _, err := s.svc.Imports.CancelImport(r.Context(), id); err != nil {
		s.importFailed(w, r, err)
		return
	}
	s.setFlash(w, "flash.import_cancelled")
	http.Redirect(w, r, fmt.Sprintf("/imports/%d", id), http.StatusSeeOther)
}

// importReport downloads the .xlsx report of refused rows.
func (s *Server) importReport(w http.ResponseWriter, r *http.Request) {
	if s.importsOff(w, r) {
		return
	}
	s.serveImportReport(w, r, s.htmlError)
}

// serveImportReport streams a job's report, for both surfaces.
func (s *Server) serveImportReport(w http.ResponseWriter, r *http.Request, fail func(http.ResponseWriter, *http.Request, error)) {
	id, err := importID(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	j, err := s.svc.Imports.FindImportByID(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	rc, err := s.svc.Imports.OpenImportReport(r.Context(), id)
	if err != nil {
		fail(w, r, err)
		return
	}
	defer rc.Close()
	base := strings.TrimSuffix(j.FileName, filepath.Ext(j.FileName))
	name := fmt.Sprintf("%s-错误报告-%d.xlsx", base, j.ID)
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="import-`+strconv.FormatInt(j.ID, 10)+`-report.xlsx"; filename*=UTF-8''`+url.PathEscape(name))
	h.Set("Cache-Control", "no-store")
	if _, err := io.Copy(w, rc); err != nil {
		s.log.Warn("import report", "req_id", requestID(r.Context()), "err", err)
	}
}
