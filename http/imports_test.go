package apphttp_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	apphttp "github.com/tuopin/tuopin/http"
	"github.com/tuopin/tuopin/jobs"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
	"github.com/tuopin/tuopin/xlsx"
)

// importEnv is an env whose server runs imports.
type importEnv struct {
	*env
	runner *jobs.Runner
}

func newImportEnv(t *testing.T, db *sqldb.DB, cfg apphttp.Config) *importEnv {
	t.Helper()
	e := newEnvConfig(t, db, cfg)
	r, err := jobs.NewRunner(jobs.Config{Dir: t.TempDir(), MaxUploadBytes: cfg.MaxUploadBytes, BatchSize: 3}, jobs.Services{
		Store: sqldb.NewImportJobStore(db), Households: sqldb.NewHouseholdService(db), Codes: sqldb.NewCodeService(db),
		Areas: sqldb.NewAreaService(db), Reviewer: sqldb.NewHouseholdService(db)})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	svc := e.services()
	svc.Imports = r
	cfg.Logger = nil
	srv, err := apphttp.NewServer(cfg, svc)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	return &importEnv{env: e, runner: r}
}

// importFile is a CSV of households of 新烟村 (numbers from n on), the
// last of which gives its head an ID number with a wrong check digit.
func importFile(t *testing.T, n, count int) []byte {
	t.Helper()
	var hs []*tuopin.Household
	for i := n; i < n+count; i++ {
		h := sqldbtest.NewHousehold(sqldbtest.Xinyan, i)
		h.Members[0].Name = fmt.Sprintf("导入户主%d", i)
		h.Normalize(time.Now())
		hs = append(hs, h)
	}
	bad := hs[len(hs)-1].Members[0]
	bad.IDNumber = bad.IDNumber[:17] + map[bool]string{true: "0", false: "1"}[bad.IDNumber[17] != '0']
	var buf bytes.Buffer
	enc, err := xlsx.NewHouseholdEncoder(&buf, xlsx.FormatCSVGBK, xlsx.LayoutNational, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if err := enc.Encode(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartBody builds an upload form.
func multipartBody(t *testing.T, fields map[string]string, name string, file []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if name != "" {
		fw, err := w.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

// upload posts the upload form of the browser.
func (b *browser) upload(path string, fields map[string]string, name string, file []byte) response {
	b.t.Helper()
	if _, ok := fields["csrf"]; !ok {
		fields["csrf"] = b.csrf
	}
	ct, body := multipartBody(b.t, fields, name, file)
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+path, body)
	req.Header.Set("Content-Type", ct)
	return b.do(req)
}

// wait polls a job until it stops running.
func (e *importEnv) wait(u *tuopin.User, id int64) *tuopin.ImportJob {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j, err := e.runner.FindImportByID(sqldbtest.Ctx(u), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if !j.Running() {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %d still %s", id, j.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var importLocation = regexp.MustCompile(`^/imports/(\d+)$`)

func TestImportPages(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newImportEnv(t, db, apphttp.Config{MaxUploadBytes: 1 << 20})
		b := e.login(e.township)

		check(t, "empty list", b.get("/imports"), http.StatusOK, []string{"数据导入", "还没有导入记录", `href="/imports/new"`}, nil)
		check(t, "new form", b.get("/imports/new"), http.StatusOK, []string{`enctype="multipart/form-data"`, "全部或全不", "跳过有错误的户", "最大 1 MB"}, nil)

		// Upload: a 303 to the job's page, which proposes the mapping.
		r := b.upload("/imports", map[string]string{"year": "2024", "policy": "all_or_nothing"}, "新烟村.csv", importFile(t, 100, 4))
		m := importLocation.FindStringSubmatch(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || m == nil {
			t.Fatalf("upload: %d %q\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		page := fmt.Sprintf("/imports/%d", id)
		check(t, "job page", b.get(page), http.StatusOK, []string{"文件已上传", "列对应关系", `name="col.11"`, "证件号码", "试导入（校验）", "待试导入"}, nil)

		// The dry run, confirming the mapping as shown.
		r = b.post(page+"/validate", url.Values{"sheet": {"1"}, "year": {"2024"}, "encoding": {"auto"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("validate: %d\n%s", r.status, excerpt(r.body))
		}
		j := e.wait(e.township, id)
		if j.Status != tuopin.ImportValidated || j.Counts.Created != 3 || j.Counts.RefusedHouseholds != 1 {
			t.Fatalf("dry run %s %+v", j.Status, j.Counts)
		}
		check(t, "validated page", b.get(page), http.StatusOK,
			[]string{"试导入完成", "未通过校验的行", "身份证号校验位不对", "下载错误报告", "不能按“全部或全不”提交", `value="skip_refused" checked`}, nil)
		r = b.get(page+"/progress", "HX-Request", "true")
		if r.status != http.StatusOK || r.header.Get("HX-Refresh") != "true" || !strings.Contains(r.body, `id="import-progress"`) {
			t.Fatalf("progress of a finished job: %d %v", r.status, r.header)
		}
		r = b.get(page + "/report.xlsx")
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "PK") || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("report: %d %v", r.status, r.header)
		}

		// All or nothing is refused; skipping the refused household commits.
		check(t, "all or nothing", b.post(page+"/commit", url.Values{"policy": {"all_or_nothing"}}), http.StatusUnprocessableEntity,
			[]string{"试导入有未通过的行"}, nil)
		if r := b.post(page+"/commit", url.Values{"policy": {"skip_refused"}}); r.status != http.StatusSeeOther {
			t.Fatalf("commit: %d\n%s", r.status, excerpt(r.body))
		}
		if j := e.wait(e.township, id); j.Status != tuopin.ImportDone || j.Counts.Created != 3 {
			t.Fatalf("commit %s %+v", j.Status, j.Counts)
		}
		check(t, "done page", b.get(page), http.StatusOK, []string{"已导入", "导入完成：新增 3 户"}, []string{"试导入（校验）"})
		check(t, "list", b.get("/imports"), http.StatusOK, []string{"新烟村.csv", "已导入"}, nil)
		check(t, "households", b.get("/households?year=2024&q=导入户主100"), http.StatusOK, []string{"导入户主100"}, nil)
		check(t, "cancel done", b.post(page+"/cancel", nil), http.StatusConflict, []string{"此导入的状态已变化"}, nil)

		t.Run("Errors", func(t *testing.T) {
			check(t, "no file", b.upload("/imports", map[string]string{"year": "2024"}, "", nil), http.StatusUnprocessableEntity,
				[]string{"提交的信息有误", "必填"}, nil)
			check(t, "too large", b.upload("/imports", map[string]string{"year": "2024"}, "big.csv", bytes.Repeat([]byte("x"), 3<<20)),
				http.StatusRequestEntityTooLarge, []string{"文件超过导入上限"}, nil)
			check(t, "garbage", b.upload("/imports", map[string]string{"year": "2024"}, "a.xlsx", []byte("PK\x03\x04garbage")),
				http.StatusUnprocessableEntity, []string{"不是可读取的 .xlsx、.xls 或 CSV 文件"}, nil)
			check(t, "no csrf", b.upload("/imports", map[string]string{"csrf": "nope"}, "a.csv", []byte("a,b")), http.StatusForbidden, nil, nil)
		})

		t.Run("Scope", func(t *testing.T) {
			check(t, "other county", e.login(e.fengshan).get(page), http.StatusNotFound, nil, []string{"新烟村.csv"})
			v := e.login(e.viewer)
			check(t, "viewer list", v.get("/imports"), http.StatusForbidden, nil, nil)
			check(t, "viewer nav", v.get("/"), http.StatusOK, nil, []string{`href="/imports"`})
			check(t, "clerk nav", b.get("/"), http.StatusOK, []string{`href="/imports"`}, nil)
		})
	})
}

func TestImportAPI(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newImportEnv(t, db, apphttp.Config{})
		tok := e.token(e.county)
		upload := func(token string, fields map[string]string, name string, file []byte) response {
			t.Helper()
			ct, body := multipartBody(t, fields, name, file)
			req, _ := http.NewRequest(http.MethodPost, e.ts.URL+"/api/v1/imports", body)
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", ct)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return response{status: resp.StatusCode, body: string(b), header: resp.Header}
		}

		r := upload(tok, map[string]string{"year": "2024", "validate": "true"}, "a.csv", importFile(t, 200, 3))
		check(t, "create", r, http.StatusCreated, []string{`"status":"queued"`, `"phase":"validate"`, `"file_name":"a.csv"`, `"format":"csv"`}, nil)
		var j tuopin.ImportJob
		decode(t, r, &j)
		if j = *e.wait(e.county, j.ID); j.Status != tuopin.ImportValidated {
			t.Fatalf("dry run %s %q", j.Status, j.Error)
		}
		path := fmt.Sprintf("/api/v1/imports/%d", j.ID)
		check(t, "get", e.api(http.MethodGet, path, tok, ""), http.StatusOK, []string{`"status":"validated"`, `"created":2`, `"refused_households":1`, `"code":"id_checksum"`}, nil)
		check(t, "list", e.api(http.MethodGet, "/api/v1/imports?status=validated", tok, ""), http.StatusOK, []string{`"total":1`}, nil)
		check(t, "commit all", e.api(http.MethodPost, path+"/commit", tok, `{"policy":"all_or_nothing"}`), http.StatusUnprocessableEntity, []string{`"refused_rows"`}, nil)
		check(t, "commit bad json", e.api(http.MethodPost, path+"/commit", tok, `{"policy":1}`), http.StatusBadRequest, nil, nil)
		check(t, "commit", e.api(http.MethodPost, path+"/commit", tok, `{"policy":"skip_refused"}`), http.StatusAccepted, []string{`"commit_policy":"skip_refused"`}, nil)
		if got := e.wait(e.county, j.ID); got.Status != tuopin.ImportDone || got.Counts.Created != 2 {
			t.Fatalf("commit %s %+v", got.Status, got.Counts)
		}
		r = e.api(http.MethodGet, path+"/report.xlsx", tok, "")
		if r.status != http.StatusOK || !strings.HasPrefix(r.body, "PK") {
			t.Fatalf("report %d", r.status)
		}
		check(t, "cancel done", e.api(http.MethodPost, path+"/cancel", tok, ""), http.StatusConflict, nil, nil)
		check(t, "validate done", e.api(http.MethodPost, path+"/validate", tok, ""), http.StatusConflict, nil, nil)

		// A second file, validated with a mapping change through the API.
		r = upload(tok, map[string]string{"year": "2024"}, "b.csv", importFile(t, 300, 2))
		var k tuopin.ImportJob
		decode(t, r, &k)
		for i := range k.Mapping.Columns {
			if k.Mapping.Columns[i].Field == "id_number" {
				k.Mapping.Columns[i].Field = ""
			}
		}
		kp := fmt.Sprintf("/api/v1/imports/%d", k.ID)
		check(t, "bad mapping", e.api(http.MethodPost, kp+"/validate", tok, mustJSON(t, map[string]any{"mapping": k.Mapping})),
			http.StatusUnprocessableEntity, []string{`"mapping_required"`}, nil)
		check(t, "cancel", e.api(http.MethodPost, kp+"/cancel", tok, ""), http.StatusOK, []string{`"status":"cancelled"`}, nil)

		check(t, "no file", upload(tok, map[string]string{"year": "2024"}, "", nil), http.StatusUnprocessableEntity, []string{`"file"`}, nil)
		check(t, "viewer", upload(e.token(e.viewer), map[string]string{}, "a.csv", importFile(t, 400, 1)), http.StatusForbidden, nil, nil)
		check(t, "other county", e.api(http.MethodGet, path, e.token(e.fengshan), ""), http.StatusNotFound, nil, nil)
		check(t, "not json upload", e.api(http.MethodPost, "/api/v1/imports", tok, `{}`), http.StatusBadRequest, []string{"multipart"}, nil)
	})
}
