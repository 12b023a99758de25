package xlsx_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// TestTemplateCells reads the real .xls templates and compares every
// non-empty cell of their first 20 rows, and the merged ranges that start
// there, with template_cells.csv (made independently of this reader).
func TestTemplateCells(t *testing.T) {
	f, err := os.Open("testdata/templates/template_cells.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		file     string
		row, col int
	}
	want := map[cell][2]string{} // text, span
	files := map[string]bool{}
	for _, r := range recs[1:] {
		row, _ := strconv.Atoi(r[2])
		col, _ := strconv.Atoi(r[3])
		file := filepath.Base(r[0])
		files[file] = true
		want[cell{file, row, col}] = [2]string{r[4], r[5]}
	}
	if len(files) != 9 {
		t.Fatalf("template_cells.csv names %d templates, want 9", len(files))
	}
	for file := range files {
		t.Run(file, func(t *testing.T) {
			wb := mustOpenFile(t, filepath.Join("testdata/templates", file))
			if wb.Format() != xlsx.FormatXLS {
				t.Fatalf("format %s, want xls", wb.Format())
			}
			merges, err := wb.Merges(0)
			if err != nil {
				t.Fatal(err)
			}
			spans := map[[2]int]string{}
			for _, m := range merges {
				spans[[2]int{m.FirstRow, m.FirstCol}] = fmt.Sprintf("%dx%d", m.LastRow-m.FirstRow+1, m.LastCol-m.FirstCol+1)
			}
			rows, err := wb.Rows(0)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			got := map[cell]bool{}
			for {
				r, err := rows.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if r.Num > 20 {
					break
				}
				for c, v := range r.Cells {
					if v.IsEmpty() {
						continue
					}
					k := cell{file, r.Num - 1, c}
					got[k] = true
					w, ok := want[k]
					if !ok {
						t.Errorf("row %d col %d: unexpected cell %q", k.row, k.col, v.Text)
						continue
					}
					if strings.TrimSpace(v.Text) != strings.TrimSpace(w[0]) {
						t.Errorf("row %d col %d: text %q, want %q", k.row, k.col, v.Text, w[0])
					}
					if spans[[2]int{k.row, k.col}] != w[1] {
						t.Errorf("row %d col %d (%s): merged span %q, want %q", k.row, k.col, w[0], spans[[2]int{k.row, k.col}], w[1])
					}
				}
			}
			for k, w := range want {
				if k.file == file && !got[k] {
					t.Errorf("row %d col %d: cell %q not read", k.row, k.col, w[0])
				}
			}
		})
	}
}

// TestRecognizeTemplates checks the header block and the field of each
// column recognised in the real templates.
func TestRecognizeTemplates(t *testing.T) {
	tests := []struct {
		file            string
		headerRow, rows int
		columns         map[string]string // letter → field ("" unmapped)
		headers         map[string]string // letter → header path
		notStored       int
	}{
		{
			file: "家庭成员数据导入模板.xls", headerRow: 1, rows: 1,
			columns: map[string]string{"A": "number", "B": "name", "C": "sex", "D": "age", "E": "school_status",
				"F": "education", "G": "health", "H": "disability_cert_no", "I": "labour_status", "J": "work_place",
				"K": "dibao", "L": "allowance_amount", "IV": ""},
			headers: map[string]string{"A": "户码*", "L": "领取低保金、残疾金(元)*", "IV": "FMI"},
		},
		{
			file: "低收入农户家庭信息导入模板.xls", headerRow: 1, rows: 1,
			columns: map[string]string{"A": "number", "B": "group_name", "C": "head_name", "D": "size", "E": "labour_count",
				"F": "farmland_area", "G": "housing_area", "H": "attribute", "I": "phone", "J": "main_cause",
				"K": "head_id_number", "L": "helper_name", "M": "helper_phone", "N": "helper_title"},
		},
		{
			file: "member.xls", headerRow: 1, rows: 1,
			columns: map[string]string{"A": "number", "B": "area_name", "C": "head_name", "D": "sex", "E": "age",
				"F": "school_status", "G": "education", "H": "health", "I": "disability_cert_no", "J": "labour_status",
				"K": "work_place", "L": "dibao", "M": "allowance_amount"},
		},
		{
			file: "farmer.xls", headerRow: 1, rows: 1,
			columns: map[string]string{"A": "number", "B": "area_name", "C": "group_name", "D": "head_name", "E": "attribute", "F": "size", "G": "phone"},
		},
		{
			file: "income.xls", headerRow: 1, rows: 3,
			columns: map[string]string{"A": "number", "B": "head_name", "C": "", "D": "", "J": "income_per_capita", "K": ""},
			headers: map[string]string{
				"A": "农户编码",
				"C": "家庭年收入情况(元) / 1.全年家庭纯收入",
				"D": "家庭年收入情况(元) / 其中 / 种植业纯收入",
				"I": "家庭年收入情况(元) / 其中 / 其他收入",
				"J": "家庭年收入情况(元) / 2.家庭人均纯收入",
				"O": "帮扶情况 / 劳动力转移就业人数(人)",
			},
		},
		{
			file: "jiangbu-hu.xls", headerRow: 1, rows: 3,
			columns: map[string]string{"A": "head_name", "B": "number"},
			headers: map[string]string{
				"E": `资金到户方式(在相应栏目内打"√") / 购岗补贴 / 购买企业岗位`,
				"M": "项目资金到户(元) / 其中 / 挂钩帮扶单位",
				"J": "项目资金到户(元) / 合计",
			},
		},
		{
			file: "bangfu-unit.xls", headerRow: 1, rows: 3,
			columns: map[string]string{"A": "", "C": ""},
			headers: map[string]string{"C": "挂钩帮扶村情况 / 挂钩村名称", "F": "挂钩帮扶全县情况 / 1.无偿帮扶资金投入合计(万元)", "H": "挂钩帮扶全县情况 / 其中 / 协调资金(万元)"},
		},
		{
			file: "moban.xls", headerRow: 3, rows: 1,
			columns: map[string]string{"B": "relation", "C": "name", "D": "sex", "E": "education", "F": "political_status",
				"G": "", "H": "health", "I": "id_number", "J": "", "K": "phone", "L": ""},
			headers: map[string]string{"G": "户籍性质", "J": "从业及地址"},
		},
		{
			file: "residenceListTemplate.xls", headerRow: 2, rows: 1,
			columns: map[string]string{"A": "", "B": "head_name", "C": "size", "D": "group_name", "E": "household_type", "F": "village"},
		},
	}
	prints := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			wb := mustOpenFile(t, filepath.Join("testdata/templates", tt.file))
			m, err := xlsx.RecognizeHeader(wb, 0)
			if err != nil {
				t.Fatal(err)
			}
			if m.HeaderRow != tt.headerRow || m.HeaderRows != tt.rows {
				t.Errorf("header rows %d+%d, want %d+%d", m.HeaderRow, m.HeaderRows, tt.headerRow, tt.rows)
			}
			byLetter := map[string]xlsx.MappedColumn{}
			for _, c := range m.Columns {
				byLetter[c.Letter] = c
			}
			for letter, field := range tt.columns {
				c, ok := byLetter[letter]
				if !ok {
					t.Errorf("column %s missing", letter)
					continue
				}
				if c.Field != field {
					t.Errorf("column %s (%s): field %q, want %q", letter, c.Header, c.Field, field)
				}
				wantStatus := xlsx.StatusUnmapped
				if f, ok := xlsx.LookupField(field); ok {
					wantStatus = xlsx.StatusNotStored
					if f.Stored {
						wantStatus = xlsx.StatusStored
					}
				}
				if c.Status != wantStatus {
					t.Errorf("column %s: status %s, want %s", letter, c.Status, wantStatus)
				}
			}
			for letter, header := range tt.headers {
				if c := byLetter[letter]; c.Header != header {
					t.Errorf("column %s: header %q, want %q", letter, c.Header, header)
				}
			}
			if prev, dup := prints[m.Fingerprint]; dup {
				t.Errorf("fingerprint %s is also %s's", m.Fingerprint, prev)
			}
			prints[m.Fingerprint] = tt.file
			again, _ := xlsx.RecognizeHeader(mustOpenFile(t, filepath.Join("testdata/templates", tt.file)), 0)
			if again.Fingerprint != m.Fingerprint {
				t.Errorf("fingerprint changed between opens: %s, %s", m.Fingerprint, again.Fingerprint)
			}
		})
	}
}

// TestTemplateMappingCheck: the Jiangsu member template lacks what a
// household import needs, and Check says exactly what.
func TestTemplateMappingCheck(t *testing.T) {
	wb := mustOpenFile(t, "testdata/templates/家庭成员数据导入模板.xls")
	m, err := xlsx.RecognizeHeader(wb, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Check()
	if tuopin.ErrorCode(err) != tuopin.EINVALID {
		t.Fatalf("Check: %v, want EINVALID", err)
	}
	fields := tuopin.ErrorFields(err)
	for _, f := range []string{"id_number", "relation", "attribute", "main_cause", "status", "area_code"} {
		if fields[f].Code != "mapping_required" {
			t.Errorf("field %s: %+v, want mapping_required", f, fields[f])
		}
	}
	if msg := fields["id_number"].Message; msg != "No column is mapped to 证件号码 (ID number), which a household import needs." {
		t.Errorf("message %q", msg)
	}
	_, err = xlsx.NewHouseholdDecoder(wb, xlsx.DecodeOptions{Year: 2016})
	if tuopin.ErrorCode(err) != tuopin.EINVALID {
		t.Errorf("NewHouseholdDecoder: %v, want EINVALID", err)
	}
}
