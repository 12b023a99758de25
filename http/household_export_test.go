package apphttp_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// xlsxRows opens a downloaded workbook and returns its first sheet's rows.
func xlsxRows(t *testing.T, r response) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// cellsWith counts the rows holding a cell equal to s.
func cellsWith(rows [][]string, s string) int {
	n := 0
	for _, row := range rows {
		for _, c := range row {
			if c == s {
				n++
				break
			}
		}
	}
	return n
}

func TestHouseholdExport(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		all := []string{headXinyan1, headXinyan2, headBala, headChangle, headBapang}

		t.Run("CountyXLSXNational", func(t *testing.T) {
			b := e.login(e.county)
			r := b.get("/households/export?format=xlsx&layout=national&year=all")
			if r.status != http.StatusOK {
				t.Fatalf("status %d\n%s", r.status, excerpt(r.body))
			}
			if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
				t.Fatalf("content type %q", ct)
			}
			cd := r.header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("东兰县-贫困户名册.xlsx")) {
				t.Fatalf("content disposition %q", cd)
			}
			rows := xlsxRows(t, r)
			if len(rows) < 2 || rows[0][0] != "省" || rows[0][4] != "村" || !strings.Contains(strings.Join(rows[0], "|"), "|证件号码|") {
				t.Fatalf("header %q", rows[0])
			}
			// Two members per household, four households in the county.
			if len(rows) != 1+8 {
				t.Fatalf("%d rows", len(rows))
			}
			for _, h := range all[:4] {
				if cellsWith(rows, h) != 2 { // 姓名 of the head, 户主姓名 of both
					t.Fatalf("head %s in %d rows", h, cellsWith(rows, h))
				}
			}
			if cellsWith(rows, headBapang) != 0 {
				t.Fatal("another county's household exported")
			}
			if r := rows[1]; r[4] != "新烟村委会" || r[7] != headXinyan1 || r[11] != e.xinyan1.Members[0].IDNumber {
				t.Fatalf("row %q", rows[1])
			}
		})

		t.Run("VillageReadable", func(t *testing.T) {
			b := e.login(e.village)
			r := b.get("/households/export?format=xlsx&layout=readable")
			if r.status != http.StatusOK {
				t.Fatalf("status %d\n%s", r.status, excerpt(r.body))
			}
			rows := xlsxRows(t, r)
			if len(rows) != 1+4 || rows[0][0] != "年度" || cellsWith(rows, headXinyan1) != 2 || cellsWith(rows, headXinyan2) != 2 {
				t.Fatalf("rows %q", rows)
			}
			for _, h := range all[2:] {
				if cellsWith(rows, h) != 0 {
					t.Fatalf("village secretary's export holds %s", h)
				}
			}
			// The readable layout shows labels, not codes.
			if cellsWith(rows, "户主") == 0 {
				t.Fatalf("no relation label in %q", rows)
			}
			// Asking for another village is not found, as on the list.
			r = b.get("/households/export?format=csv&area=" + sqldbtest.Bala)
			if r.status != http.StatusNotFound || strings.Contains(r.body, headBala) {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
		})

		t.Run("CSVGBK", func(t *testing.T) {
			b := e.login(e.township)
			r := b.get("/households/export?format=csv-gbk&layout=readable&q=" + url.QueryEscape(headBala))
			if r.status != http.StatusOK {
				t.Fatalf("status %d\n%s", r.status, excerpt(r.body))
			}
			if strings.Contains(r.body, headBala) {
				t.Fatal("GBK file holds UTF-8 text")
			}
			text, err := simplifiedchinese.GBK.NewDecoder().String(r.body)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1+2 || !strings.Contains(text, headBala) || !strings.Contains(text, "巴拉村委会") {
				t.Fatalf("records %q", recs)
			}
			cd := r.header.Get("Content-Disposition")
			if !strings.Contains(cd, url.PathEscape("东兰镇-贫困户名册-可读版.csv")) {
				t.Fatalf("content disposition %q", cd)
			}
		})

		t.Run("CSVEnglish", func(t *testing.T) {
			b := e.login(e.county)
			r := b.get("/households/export?format=csv&layout=readable&year=2024&lang=en")
			if r.status != http.StatusOK || !strings.HasPrefix(r.body, "\ufeff") || !strings.Contains(r.header.Get("Content-Disposition"), "households-2024-readable.csv") {
				t.Fatalf("status %d %q\n%s", r.status, r.header.Get("Content-Disposition"), excerpt(r.body))
			}
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\ufeff"))).ReadAll()
			if err != nil || len(recs) != 1+8 {
				t.Fatalf("%d records, %v", len(recs), err)
			}
		})

		t.Run("Refused", func(t *testing.T) {
			b := e.login(e.county)
			if r := b.get("/households/export?format=pdf"); r.status != http.StatusBadRequest {
				t.Fatalf("bad format: status %d", r.status)
			}
			if r := e.browser().get("/households/export"); r.status == http.StatusOK {
				t.Fatalf("anonymous export: status %d", r.status)
			}
		})

		t.Run("ListLinks", func(t *testing.T) {
			b := e.login(e.county)
			r := b.get("/households?year=2024&status=1&area=" + sqldbtest.DonglanTown[:9])
			check(t, "list", r, http.StatusOK, []string{
				"/households/export?format=csv-gbk&amp;layout=readable&amp;area=451224100&amp;status=1&amp;year=2024",
			}, nil)
		})

		t.Run("API", func(t *testing.T) {
			tok := e.token(e.village)
			r := e.api(http.MethodGet, "/api/v1/households/export?format=csv", tok, "")
			if r.status != http.StatusOK || !strings.Contains(r.body, headXinyan1) || strings.Contains(r.body, headBala) {
				t.Fatalf("status %d\n%s", r.status, excerpt(r.body))
			}
			if r := e.api(http.MethodGet, "/api/v1/households/export", "", ""); r.status != http.StatusUnauthorized {
				t.Fatalf("no token: status %d", r.status)
			}
			r = e.api(http.MethodGet, "/api/v1/households/export?layout=wide", tok, "")
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"invalid"`) {
				t.Fatalf("bad layout: status %d %s", r.status, r.body)
			}
			tok = e.token(e.county)
			r = e.api(http.MethodGet, "/api/v1/households/export?format=xlsx&year="+strconv.Itoa(2024), tok, "")
			if rows := xlsxRows(t, r); len(rows) != 1+8 {
				t.Fatalf("%d rows", len(rows))
			}
		})
	})
}

func TestHouseholdPrint(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.village)
		id := strconv.FormatInt(e.xinyan1.ID, 10)
		r := b.get("/households/" + id + "/print")
		check(t, "print", r, http.StatusOK, []string{
			"贫困户扶贫手册", "户基本情况", "家庭成员", "致贫原因", "收入情况", "脱贫状态", "状态变更记录",
			headXinyan1, e.xinyan1.Members[1].Name, e.xinyan1.Members[0].IDNumber, "新烟村委会",
			`id="print-button"`, "print.js", "print.css",
		}, []string{"<nav", "<script>", headXinyan2})
		check(t, "detail links print", b.get("/households/"+id), http.StatusOK, []string{`href="/households/` + id + `/print"`}, nil)
		r = b.get("/households/" + strconv.FormatInt(e.bala.ID, 10) + "/print")
		check(t, "out of scope", r, http.StatusNotFound, nil, []string{headBala})
		r = b.get("/households/999999/print")
		check(t, "missing", r, http.StatusNotFound, nil, nil)
	})
}
