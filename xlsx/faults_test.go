package xlsx_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// serial is the Excel 1900-system serial of a date after 1900-03-01.
func serial(t time.Time) float64 {
	return float64(t.Sub(date(1899, 12, 30)) / (24 * time.Hour))
}

// fullWidth writes ASCII digits and letters full-width, as Chinese input
// methods do.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7F {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// faultyWorkbook builds an .xlsx with every fault the import must handle:
// a title row, a two-row merged header with full-width brackets, spaces
// and * marks; full-width digits and spaces, trailing spaces, Excel date
// serials, 1985.03.12-style and other dates, a blank row, code labels
// instead of codes, amounts with thousands separators and 元, phone
// numbers stored as numbers, households on non-adjacent rows, ID numbers
// stored as numbers (in scientific notation and with lost digits), and
// rows that disagree or hold bad values.
func faultyWorkbook(t *testing.T) ([]byte, map[string]string) {
	t.Helper()
	f := excelize.NewFile()
	const sh = "名单"
	f.SetSheetName("Sheet1", sh)
	set := func(cell string, v any) {
		t.Helper()
		if err := f.SetCellValue(sh, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	merge := func(a, b string) {
		t.Helper()
		if err := f.MergeCell(sh, a, b); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "东兰县2016年建档立卡贫困人口名单")
	merge("A1", "U1")
	set("A2", "户编号*")
	merge("A2", "A3")
	set("B2", "户信息")
	merge("B2", "K2")
	set("L2", "成员信息")
	merge("L2", "T2")
	set("U2", "备注")
	merge("U2", "U3")
	for i, h := range []string{"年度", "行政区划代码", " 户主姓名", "家庭人口数", "贫困户属性", "主要致贫原因", "人均纯收入（元）", "脱贫状态", "联系电话", "识别标准",
		"姓　名", "性别", "出生日期", "＊证件号码", "与户主关系", "文化程度", "健康状况", "劳动技能", "民族"} {
		cell, _ := excelize.CoordinatesToCellName(2+i, 3)
		set(cell, h)
	}
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})

	ids := map[string]string{
		"h1a": idNumber("451224", date(1985, 3, 12), 11), // male head
		"h1b": idNumber("451224", date(1987, 5, 6), 22),
		"h1c": idNumber("451224", date(2010, 3, 4), 33),
		"h2a": idNumber("451224", date(1960, 1, 2), 45),
		"h2b": idNumber("451224", date(1990, 7, 8), 46),
		"h4a": idNumber("451224", date(1985, 2, 3), 51),
		"h4b": idNumber("451224", date(2012, 1, 1), 53),
	}
	row := func(r int, vals ...any) {
		t.Helper()
		for i, v := range vals {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1+i, r)
			set(cell, v)
		}
	}
	hh1 := []any{"4512241000001 ", 2016, "451224104201", "韦秀金", 3, "一般贫困户", "因病", "3,146.50元", "未脱贫", 13977812345, "国家标准"}
	// Household 1: three members, a blank row between them.
	row(4, append(hh1, "韦秀金  ", "男", nil, fullWidth(ids["h1a"][:6])+"\u3000"+fullWidth(ids["h1a"][6:]), "户主", "小学", "健康", "普通劳动力", "壮族")...)
	f.SetCellFloat(sh, "N4", serial(date(1985, 3, 12)), -1, 64)
	f.SetCellStyle(sh, "N4", "N4", dateStyle)
	row(5, "4512241000001", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "黄玉春", "女", "1987.05.06", ids["h1b"], "配偶", "02", "长期慢性病", "技能劳动力")
	row(7, "4512241000001", 2016, "451224104201", "韦秀金", 3, "01", "01", 3146.5, "0", 13977812345, "国家标准", "韦　明", "1", 20100304, " "+ids["h1c"]+" ", "之子", nil, "健康", "无劳动力")
	// Household 2 on rows 8 and 10, household 3 between them.
	row(8, "4512241000002", 2016, "451224104202", "覃国", 2, 4, "缺劳动力", 2800, "已脱贫享受政策", "139 7781 2346", nil, "覃国", "男", "1960年1月2日", strings.ToLower(ids["h2a"]), "本人", "文盲", "残疾人", "丧失劳动力")
	row(10, "4512241000002", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "覃红", "女", "1990/7/8", ids["h2b"], "女儿", "初中", "健康", "普通劳动力")
	// Household 3: every ID number mangled by Excel.
	row(9, "4512241000003", 2016, "451224104201", "蓝英", 3, "一般贫困户", "因学", "1200", "未脱贫", nil, nil, "蓝英", "女", "1970-01-01", nil, "户主")
	f.SetCellFloat(sh, "O9", 4.51224198501011e17, -1, 64)
	row(11, "4512241000003", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "蓝文", "男", "1995-01-01", nil, "之子")
	f.SetCellInt(sh, "O11", 451224199501011000)
	row(12, "4512241000003", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "蓝志", "男", "1996-01-01", "4.51224E+17", "之子")
	// Household 4: bad values and rows that disagree.
	row(13, "4512241000004", 2016, "451224104201", "罗建", 5, "一般贫困户", "因灾", "abc", "未脱贫", nil, nil, "罗建", "男", "1985-02-30", ids["h4a"], "户主", "高中", "健康", "普通劳动力")
	row(14, "4512241000004", 2016, "451224104201", "罗建", 5, "低保贫困户", "因灾", nil, "未脱贫", nil, nil, "罗华", "男", "2012-01-01", ids["h4b"], "儿子x", nil, "残疾,长期慢性病", "无劳动力")
	// A row without a household number.
	row(15, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "无户编号")

	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), ids
}

func TestDecodeFaults(t *testing.T) {
	data, ids := faultyWorkbook(t)
	wb := mustOpen(t, data, xlsx.OpenOptions{})
	if wb.Format() != xlsx.FormatXLSX {
		t.Fatalf("format %s", wb.Format())
	}
	m, err := xlsx.RecognizeHeader(wb, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.HeaderRow != 2 || m.HeaderRows != 2 {
		t.Errorf("header block %d+%d, want 2+2", m.HeaderRow, m.HeaderRows)
	}
	if c := m.Columns[14]; c.Letter != "O" || c.Header != "成员信息 / *证件号码" || c.Field != "id_number" || !c.Marked {
		t.Errorf("column O: %+v", c)
	}
	if c := m.Columns[0]; c.Header != "户编号*" || c.Field != "number" {
		t.Errorf("column A: %+v", c)
	}
	var notStored, unmapped []string
	for _, c := range m.NotStored() {
		notStored = append(notStored, c.Field)
	}
	for _, c := range m.Unmapped() {
		unmapped = append(unmapped, c.Header)
	}
	if len(notStored) != 0 || strings.Join(unmapped, ",") != "备注" {
		t.Errorf("not stored %v, unmapped %v", notStored, unmapped)
	}
	// 识别标准 and 民族 are details of the national field set.
	for field, letter := range map[string]string{"standard": "K", "ethnicity": "T"} {
		c := m.Columns[m.FieldColumn(field)]
		if c.Letter != letter || c.Status != xlsx.StatusStored {
			t.Errorf("field %s: column %s, status %s; want %s, stored", field, c.Letter, c.Status, letter)
		}
	}

	d, err := xlsx.NewHouseholdDecoder(wb, xlsx.DecodeOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if households, rows := d.Total(); households != 4 || rows != 11 {
		t.Errorf("Total() = %d households, %d rows; want 4, 11", households, rows)
	}
	d.Close()

	hs, errsOf, all := decodeAll(t, wb, xlsx.DecodeOptions{})
	if len(hs) != 4 {
		t.Fatalf("%d households, want 4", len(hs))
	}

	t.Run("Household1", func(t *testing.T) {
		h := hs[0]
		if len(errsOf[h.Number]) != 0 {
			t.Fatalf("errors: %v", errsOf[h.Number])
		}
		want := &tuopin.Household{Year: 2016, Number: "4512241000001", AreaCode: "451224104201", HeadName: "韦秀金", Size: 3,
			Attribute: "01", MainCause: "01", IncomePerCapita: 314650, Status: "0", Phone: "13977812345",
			Details: map[string]string{"standard": "1"},
			Members: []*tuopin.Member{
				{Name: "韦秀金", Sex: "1", BirthDate: date(1985, 3, 12), IDNumber: ids["h1a"], Relation: "01", Education: "02", Health: "01", Skill: "01",
					Details: map[string]string{"ethnicity": "08"}},
				{Name: "黄玉春", Sex: "2", BirthDate: date(1987, 5, 6), IDNumber: ids["h1b"], Relation: "02", Education: "02", Health: "02", Skill: "02"},
				{Name: "韦明", Sex: "1", BirthDate: date(2010, 3, 4), IDNumber: ids["h1c"], Relation: "03", Health: "01", Skill: "05"},
			}}
		sameHousehold(t, h, want)
	})
	t.Run("Household2NonAdjacent", func(t *testing.T) {
		h := hs[1] // handed out at its last row, 10, before household 3 (rows 9–12)
		if h.Number != "4512241000002" || len(errsOf[h.Number]) != 0 {
			t.Fatalf("household %s, errors %v", h.Number, errsOf[h.Number])
		}
		want := &tuopin.Household{Year: 2016, Number: "4512241000002", AreaCode: "451224104202", HeadName: "覃国", Size: 2,
			Attribute: "04", MainCause: "08", IncomePerCapita: 280000, Status: "1", Phone: "13977812346",
			Members: []*tuopin.Member{
				{Name: "覃国", Sex: "1", BirthDate: date(1960, 1, 2), IDNumber: ids["h2a"], Relation: "01", Education: "01", Health: "04", Skill: "04"},
				{Name: "覃红", Sex: "2", BirthDate: date(1990, 7, 8), IDNumber: ids["h2b"], Relation: "04", Education: "03", Health: "01", Skill: "01"},
			}}
		sameHousehold(t, h, want)
	})
	t.Run("IDsStoredAsNumbers", func(t *testing.T) {
		errs := errsOf["4512241000003"]
		want := []struct {
			row         int
			code, value string
		}{
			{9, xlsx.CodeStoredAsNumber, "4.51224E+17"},
			{11, xlsx.CodeStoredAsNumber, "4.51224E+17"},
			{12, xlsx.CodeScientific, "4.51224E+17"},
		}
		if len(errs) != len(want) {
			t.Fatalf("errors %v", errs)
		}
		for i, w := range want {
			e := errs[i]
			if e.Row != w.row || e.Code != w.code || e.Value != w.value || e.Column != "O" || e.Header != "成员信息 / *证件号码" || e.Field != "id_number" || e.Household != "4512241000003" {
				t.Errorf("error %d: %+v", i, e)
			}
		}
		if e := errs[0]; !strings.Contains(e.ReasonZH, "身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本后重新录入") ||
			e.Reason != "The ID number was stored by Excel as a number (shown as 4.51224E+17), so its last digits are lost; format the column as text and enter the numbers again." {
			t.Errorf("message: %q / %q", e.ReasonZH, e.Reason)
		}
	})
	t.Run("BadValues", func(t *testing.T) {
		errs := errsOf["4512241000004"]
		type key struct {
			row         int
			column      string
			code, value string
		}
		want := []key{
			{13, "E", xlsx.CodeSizeMismatch, "5"},
			{13, "H", xlsx.CodeInvalidAmount, "abc"},
			{13, "N", xlsx.CodeInvalidDate, "1985-02-30"},
			{14, "F", xlsx.CodeMismatch, "低保贫困户"},
			{14, "P", xlsx.CodeInvalidChoice, "儿子x"},
			{14, "R", xlsx.CodeMultiple, "残疾,长期慢性病"},
		}
		var got []key
		for _, e := range errs {
			got = append(got, key{e.Row, e.Column, e.Code, e.Value})
			if e.Reason == "" || e.ReasonZH == "" {
				t.Errorf("error without reason: %+v", e)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("errors\n got %v\nwant %v\n%v", got, want, errs)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("error %d: got %v, want %v", i, got[i], want[i])
			}
		}
		for _, e := range errs {
			switch e.Code {
			case xlsx.CodeInvalidChoice:
				if !strings.Contains(e.ReasonZH, "“儿子x”不是有效的与户主关系，应为：户主、配偶、之子") {
					t.Errorf("reason: %s", e.ReasonZH)
				}
			case xlsx.CodeMismatch:
				if e.Reason != `贫困户属性 (Household attribute) is "低保贫困户" here but "一般贫困户" on row 13 of the same household; the household's rows must agree.` {
					t.Errorf("reason: %s", e.Reason)
				}
			}
		}
	})
	t.Run("RowWithoutNumber", func(t *testing.T) {
		var found bool
		for _, e := range all {
			if e.Row == 15 {
				found = true
				if e.Code != xlsx.CodeRequired || e.Column != "A" || e.Household != "" {
					t.Errorf("%+v", e)
				}
			}
		}
		if !found {
			t.Error("row 15 not reported")
		}
	})
	t.Run("Report", func(t *testing.T) {
		var buf bytes.Buffer
		if err := xlsx.WriteErrorReport(&buf, all); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("错误报告")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(all)+1 {
			t.Fatalf("%d report rows, want %d", len(rows), len(all)+1)
		}
		if strings.Join(rows[0], "|") != "行号 Row|列 Column|列名 Header|户编号 Household|字段 Field|值 Value|原因|Reason|代码 Code" {
			t.Errorf("header %v", rows[0])
		}
		if r := rows[1]; r[0] != "9" || r[1] != "O" || r[5] != "4.51224E+17" || !strings.HasPrefix(r[6], "身份证号被 Excel 存成了数字") || r[8] != "stored_as_number" {
			t.Errorf("first report row %q", r)
		}
	})
}

// TestDecodeSorted: with DecodeOptions.Sorted the file is read once and
// a household whose rows are not together is refused where it comes back.
func TestDecodeSorted(t *testing.T) {
	data, _ := faultyWorkbook(t)
	wb := mustOpen(t, data, xlsx.OpenOptions{})
	hs, _, all := decodeAll(t, wb, xlsx.DecodeOptions{Sorted: true})
	var numbers []string
	for _, h := range hs {
		numbers = append(numbers, h.Number)
	}
	if strings.Join(numbers, ",") != "4512241000001,4512241000002,4512241000003,4512241000004" {
		t.Errorf("households %v", numbers)
	}
	var found bool
	for _, e := range all {
		if e.Code == xlsx.CodeNotAdjacent {
			found = true
			if e.Row != 10 || !strings.Contains(e.ReasonZH, "户编号 4512241000002 的各行不连续：该户已在第 8 行出现") {
				t.Errorf("%+v", e)
			}
		}
	}
	if !found {
		t.Error("row 10 not refused as not adjacent")
	}
}
