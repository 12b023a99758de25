package xlsx_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// textRunes are what random text details are made of: common Han
// characters, letters and digits (no spaces, which CleanText folds).
var textRunes = []rune("东兰县武篆镇巴英村韦黄覃蓝罗陆班牙扶贫办公室帮扶工作队主任科员农业局ABCxyz0123456789-·")

// randomDetail returns a random valid canonical value of a field; max
// bounds a numeric part by its whole (hundredths or fen), -1 when none.
func randomDetail(rng *rand.Rand, def tuopin.FieldDef, codes *tuopin.CodeSet, year int, max int64) string {
	var raw string
	switch def.Type {
	case tuopin.FieldText:
		n := def.MaxLen
		if n == 0 || n > 24 {
			n = 24
		}
		n = 1 + rng.IntN(n)
		var b strings.Builder
		digits := def.Key == "person_number" || strings.HasSuffix(def.Key, "phone") || strings.HasSuffix(def.Key, "_no") || strings.HasSuffix(def.Key, "_number")
		for i := 0; i < n; i++ {
			if digits {
				b.WriteByte(byte('0' + rng.IntN(10)))
			} else {
				b.WriteRune(textRunes[rng.IntN(len(textRunes))])
			}
		}
		raw = b.String()
		if digits {
			raw = "1" + raw[1:] // no leading zero to lose, as a phone
		}
	case tuopin.FieldCode, tuopin.FieldCodes:
		list := codes.List(def.CodeKind, year)
		k := 1
		if def.Type == tuopin.FieldCodes {
			k = 1 + rng.IntN(3)
		}
		var parts []string
		for _, i := range rng.Perm(len(list))[:k] {
			parts = append(parts, list[i].Code)
		}
		raw = strings.Join(parts, ",")
	case tuopin.FieldInt:
		lo, hi := def.Min, def.Max
		if hi == 0 {
			hi = 1000
		}
		raw = fmt.Sprint(lo + rng.Int64N(hi-lo+1))
	case tuopin.FieldDecimal, tuopin.FieldMoney:
		hi := def.Max * 100
		if hi == 0 {
			hi = 5_000_000 // 50,000.00 yuan
		}
		if max >= 0 && max < hi {
			hi = max
		}
		raw = tuopin.Money(rng.Int64N(hi + 1)).Yuan()
	case tuopin.FieldDate:
		raw = time.Date(2015+rng.IntN(11), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(tuopin.DateLayout)
	}
	v, err := def.Normalize(raw, codes, year)
	if err != nil {
		panic(fmt.Sprintf("randomDetail %s: %v", def.Key, err))
	}
	return v
}

// randomDetails fills every field of a catalog with a random valid value,
// parts ("其中") no larger than their whole.
func randomDetails(rng *rand.Rand, defs []tuopin.FieldDef, year int) map[string]string {
	codes := tuopin.DefaultCodeSet
	out := map[string]string{}
	for _, def := range defs {
		max := int64(-1)
		if def.Of != "" {
			whole, _ := tuopin.ParseYuan(out[def.Of])
			max = int64(whole)
		}
		out[def.Key] = randomDetail(rng, def, codes, year, max)
	}
	return out
}

// detailedHousehold is household(i) with every field of the national
// field set filled with random values (a pupil has a school status and
// no education level).
func detailedHousehold(rng *rand.Rand, i int) *tuopin.Household {
	h := household(i)
	h.Details = randomDetails(rng, tuopin.HouseholdFieldDefs, h.Year)
	for _, m := range h.Members {
		m.Details = randomDetails(rng, tuopin.MemberFieldDefs, h.Year)
		if rng.IntN(2) == 0 {
			delete(m.Details, "school_status")
		} else {
			m.Education = ""
		}
	}
	h.Normalize(now) // income_transfer becomes the sum of its parts
	return h
}

func TestRoundTripDetails(t *testing.T) {
	rng := rand.New(rand.NewPCG(2016, 451224))
	var hs []*tuopin.Household
	for i := 0; i < 40; i++ {
		h := detailedHousehold(rng, i)
		if err := h.Validate(tuopin.DefaultCodeSet, now); err != nil {
			t.Fatalf("household %d is not valid: %v", i, err)
		}
		hs = append(hs, h)
	}
	// Every catalog field is filled somewhere.
	for _, def := range append(append([]tuopin.FieldDef(nil), tuopin.HouseholdFieldDefs...), tuopin.MemberFieldDefs...) {
		filled := false
		for _, h := range hs {
			filled = filled || h.Details[def.Key] != "" || h.Members[0].Details[def.Key] != ""
		}
		if !filled {
			t.Errorf("field %s is never filled", def.Key)
		}
	}
	check := func(t *testing.T, data []byte) {
		wb := mustOpen(t, data, xlsx.OpenOptions{})
		m, err := xlsx.RecognizeHeader(wb, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range m.Unmapped() {
			t.Errorf("column %s (%s) not recognised", c.Letter, c.Header)
		}
		for _, def := range append(append([]tuopin.FieldDef(nil), tuopin.HouseholdFieldDefs...), tuopin.MemberFieldDefs...) {
			i := m.FieldColumn(def.Key)
			if i < 0 {
				t.Errorf("no column for %s", def.Key)
				continue
			}
			if c := m.Columns[i]; c.Status != xlsx.StatusStored {
				t.Errorf("column %s (%s): status %s", c.Letter, c.Header, c.Status)
			}
		}
		got, _, errs := decodeAll(t, wb, xlsx.DecodeOptions{})
		for _, e := range errs {
			t.Errorf("unexpected row error: %v", e)
		}
		if len(got) != len(hs) {
			t.Fatalf("decoded %d households, want %d", len(got), len(hs))
		}
		for i := range hs {
			sameHousehold(t, got[i], hs[i])
		}
	}
	for _, format := range []xlsx.Format{xlsx.FormatXLSX, xlsx.FormatCSV, xlsx.FormatCSVGBK} {
		for _, layout := range []xlsx.Layout{xlsx.LayoutNational, xlsx.LayoutReadable} {
			t.Run(fmt.Sprintf("%s/%s", format, layout), func(t *testing.T) {
				check(t, encode(t, format, layout, hs))
			})
		}
	}
	for _, format := range []xlsx.Format{xlsx.FormatXLSX, xlsx.FormatCSV} {
		t.Run(fmt.Sprintf("%s/readable/en", format), func(t *testing.T) {
			var buf bytes.Buffer
			enc, err := xlsx.NewHouseholdEncoder(&buf, format, xlsx.LayoutReadable, nil)
			if err != nil {
				t.Fatal(err)
			}
			enc.Lang = "en"
			for _, h := range hs {
				if err := enc.Encode(h); err != nil {
					t.Fatal(err)
				}
			}
			if err := enc.Close(); err != nil {
				t.Fatal(err)
			}
			check(t, buf.Bytes())
		})
	}
}

// detailsWorkbook is an .xlsx of three households with detail columns:
// the first written the many ways people write them (all valid), the
// second and third with bad detail cells.
func detailsWorkbook(t testing.TB) ([]byte, map[string]string) {
	t.Helper()
	f := excelize.NewFile()
	const sh = "Sheet1"
	headers := []string{"户编号", "年度", "行政区划代码", "贫困户属性", "主要致贫原因", "脱贫状态", "姓名", "证件号码", "与户主关系", "文化程度",
		"危房等级", "耕地面积（亩）", "有效灌溉面积", "风险识别时间", "工资性收入", "其中：公益性岗位收入(元)", "转移性收入(元)", "低保金",
		"民族", "务工时间(月)", "在校生状况", "是否享受低保", "其他致贫原因", "首次识别时间"}
	row := func(r int, vals ...any) {
		t.Helper()
		for i, v := range vals {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1+i, r)
			if err := f.SetCellValue(sh, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	hs := make([]any, len(headers))
	for i, h := range headers {
		hs[i] = h
	}
	row(1, hs...)
	ids := map[string]string{
		"1a": idNumber("451224", date(1970, 1, 2), 11), "1b": idNumber("451224", date(2012, 3, 4), 22),
		"2a": idNumber("451224", date(1971, 1, 2), 31), "2b": idNumber("451224", date(1972, 3, 4), 42),
		"3a": idNumber("451224", date(1973, 1, 2), 51), "3b": idNumber("451224", date(2011, 3, 4), 61),
	}
	hh := func(number string) []any {
		return []any{number, 2016, "451224104201", "一般贫困户", "因病", "未脱贫"}
	}
	// Household 1: every cell valid, written loosely.
	row(2, append(hh("H1"), "韦一", ids["1a"], "户主", "小学", "否", "3.5亩", 2, nil, "1,000元", 500, "1200", "1200",
		"壮", "6个月", nil, "√", "因病、因残 因学", "2014-05-01")...)
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellFloat(sh, "N2", serial(date(2016, 5, 1)), -1, 64)
	f.SetCellStyle(sh, "N2", "N2", dateStyle)
	row(3, "H1", nil, nil, nil, nil, nil, "韦二", ids["1b"], "之女", nil, "A级", nil, nil, nil, nil, nil, nil, nil,
		"汉族", nil, "小学", "×")
	// Household 2: bad values.
	row(4, append(hh("H2"), "覃一", ids["2a"], "户主", "小学", "E级", "三亩", nil, "2020-13-01", 1000, 2000, nil, nil,
		"火星族", 13)...)
	row(5, "H2", nil, nil, nil, nil, nil, "覃二", ids["2b"], "配偶", "小学", "是", nil, nil, nil, nil, nil, nil, nil,
		nil, nil, nil, nil, "因病、因穷")
	// Household 3: rows that disagree, a total that is not the sum of
	// its parts, a pupil with an education level.
	row(6, append(hh("H3"), "蓝一", ids["3a"], "户主", "小学", "C级", nil, nil, nil, nil, nil, 1000, 600)...)
	row(7, "H3", nil, nil, nil, nil, nil, "蓝二", ids["3b"], "之子", "小学", "D级", nil, nil, nil, nil, nil, nil, nil,
		nil, nil, "小学")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), ids
}

func TestDecodeDetails(t *testing.T) {
	data, ids := detailsWorkbook(t)
	hs, errsOf, _ := decodeAll(t, mustOpen(t, data, xlsx.OpenOptions{}), xlsx.DecodeOptions{})
	if len(hs) != 3 {
		t.Fatalf("%d households, want 3", len(hs))
	}
	t.Run("Valid", func(t *testing.T) {
		if errs := errsOf["H1"]; len(errs) != 0 {
			t.Fatalf("errors: %v", errs)
		}
		want := &tuopin.Household{Year: 2016, Number: "H1", AreaCode: "451224104201", HeadName: "韦一", Size: 2,
			Attribute: "01", MainCause: "01", Status: "0",
			Details: map[string]string{
				"house_grade": "A", "farmland_area": "3.5", "irrigated_area": "2", "risk_identified_date": "2016-05-01",
				"income_wage": "1000.00", "income_public_job": "500.00", "income_transfer": "1200.00", "transfer_dibao": "1200.00",
				"other_causes": "01,02,03", "first_identified_year": "2014",
			},
			Members: []*tuopin.Member{
				{Name: "韦一", Sex: "1", BirthDate: date(1970, 1, 2), IDNumber: ids["1a"], Relation: "01", Education: "02",
					Details: map[string]string{"ethnicity": "08", "work_months": "6", "dibao": "1"}},
				{Name: "韦二", Sex: "2", BirthDate: date(2012, 3, 4), IDNumber: ids["1b"], Relation: "04",
					Details: map[string]string{"ethnicity": "01", "school_status": "03", "dibao": "0"}},
			}}
		sameHousehold(t, hs[0], want)
	})
	type key struct {
		row          int
		column, code string
		value        string
	}
	check := func(t *testing.T, number string, want []key) []xlsx.RowError {
		t.Helper()
		errs := errsOf[number]
		var got []key
		for _, e := range errs {
			got = append(got, key{e.Row, e.Column, e.Code, e.Value})
			if e.Reason == "" || e.ReasonZH == "" || e.Header == "" || e.Household != number {
				t.Errorf("incomplete error %+v", e)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("errors\n got %v\nwant %v\n%v", got, want, errs)
		}
		return errs
	}
	reason := func(t *testing.T, errs []xlsx.RowError, column, en, zh string) {
		t.Helper()
		for _, e := range errs {
			if e.Column == column {
				if !strings.Contains(e.Reason, en) || !strings.Contains(e.ReasonZH, zh) {
					t.Errorf("column %s: reason %q / %q; want %q / %q", column, e.Reason, e.ReasonZH, en, zh)
				}
				return
			}
		}
		t.Errorf("no error in column %s", column)
	}
	t.Run("BadCells", func(t *testing.T) {
		errs := check(t, "H2", []key{
			{4, "K", xlsx.CodeInvalidChoice, "E级"},
			{4, "L", xlsx.CodeInvalidNumber, "三亩"},
			{4, "N", xlsx.CodeInvalidDate, "2020-13-01"},
			{4, "P", "exceeds_total", "2000"},
			{4, "S", xlsx.CodeInvalidChoice, "火星族"},
			{4, "T", xlsx.CodeOutOfRange, "13"},
			{5, "K", xlsx.CodeInvalidChoice, "是"},
			{5, "W", xlsx.CodeInvalidChoice, "因病、因穷"},
		})
		reason(t, errs, "L", `"三亩" is not a number`, "“三亩”不是数字")
		reason(t, errs, "N", `"2020-13-01" is not a date`, "“2020-13-01”不是日期")
		reason(t, errs, "P", "exceeds", "其中：公益性岗位收入(元)（2000.00）超过了工资性收入(元)（1000.00）")
		reason(t, errs, "S", `"火星族" is not a ethnicity value`, "“火星族”不是有效的民族，应为：汉族、蒙古族")
		reason(t, errs, "T", "must be between 0 and 12, not 13", "务工时间(月)应在 0 到 12 之间，此处为 13")
		reason(t, errs, "W", `"因穷" is not a cause of poverty value`, "“因穷”不是有效的致贫原因")
		for _, e := range errs {
			if e.Column == "K" && e.Header != "危房等级" || e.Column == "P" && (e.Header != "其中:公益性岗位收入(元)" || e.Field != "income_public_job") {
				t.Errorf("header/field %+v", e)
			}
		}
	})
	t.Run("Disagree", func(t *testing.T) {
		errs := check(t, "H3", []key{
			{6, "Q", xlsx.CodeSumMismatch, "1000"},
			{7, "J", "exclusive", "小学"},
			{7, "K", xlsx.CodeMismatch, "D级"},
		})
		reason(t, errs, "K", `危房等级 (Housing safety grade) is "D级" here but "C级" on row 6 of the same household`,
			"本行的危房等级为“D级”，与同户第 6 行的“C级”不一致")
		reason(t, errs, "Q", "add up to 600.00", "转移性收入为 1000.00，但文件中各分项（低保金(元)）之和为 600.00")
		reason(t, errs, "J", "exclude each other", "文化程度与在校生状况不能同时填写")
	})
}

// TestResolveYesNo: yes and no as people write them.
func TestResolveYesNo(t *testing.T) {
	for in, want := range map[string]string{"是": "1", "否": "0", "Y": "1", "n": "0", "yes": "1", "No": "0", "1": "1", "0": "0",
		"√": "1", "×": "0", "TRUE": "1", "FALSE": "0", "有": "1", "无": "0", " 是 ": "1", "已参加": "1", "未享受": "0"} {
		got, err := xlsx.ResolveCode(tuopin.DefaultCodeSet, tuopin.CodeYesNo, in)
		if err != nil || got != want {
			t.Errorf("ResolveCode(yesno, %q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := xlsx.ResolveCode(tuopin.DefaultCodeSet, tuopin.CodeYesNo, "也许")
	if err == nil || !strings.Contains(err.Error(), `"也许" is not a yes/no value; use one of: 是, 否`) {
		t.Errorf("ResolveCode(yesno, 也许): %v", err)
	}
}

// TestDetailHeaders: headers of real files name the catalog fields with
// or without their unit or "其中：", and by their old names.
func TestDetailHeaders(t *testing.T) {
	for header, want := range map[string]string{
		"工资性收入": "income_wage", "工资性收入（元）": "income_wage", "其中：公益性岗位收入": "income_public_job",
		"其中:资产收益扶贫分红收入(元)": "income_asset_dividend", "低保金": "transfer_dibao", "其中：低保金(元)": "transfer_dibao",
		"是否危房": "house_grade", "危房等级": "house_grade", "饮水安全": "water_safe", "是否饮水安全": "water_safe",
		"帮扶单位": "helper_unit", "帮扶人姓名": "helper_name", "组名": "group_name", "其他致贫原因": "other_causes",
		"次要致贫原因": "other_causes", "首次识别时间": "first_identified_year", "住房面积(m2)": "housing_area",
		"承包耕地面积(亩)": "farmland_area", "Wage income (yuan)": "income_wage", "Help cadre": "helper_name",
	} {
		f, ok := xlsx.MatchHeader(header)
		if !ok || f.Key != want {
			t.Errorf("MatchHeader(%q) = %q, %v; want %q", header, f.Key, ok, want)
			continue
		}
		if !f.Stored || !f.Detail {
			t.Errorf("%s: Stored %v, Detail %v", f.Key, f.Stored, f.Detail)
		}
	}
	if f, ok := xlsx.MatchHeader("工资性收入(万元)"); ok {
		t.Errorf("MatchHeader(工资性收入(万元)) = %s; a column of 万元 is not one of yuan", f.Key)
	}
	// Every catalog field is a stored KnownField of its level.
	for _, def := range append(append([]tuopin.FieldDef(nil), tuopin.HouseholdFieldDefs...), tuopin.MemberFieldDefs...) {
		f, ok := xlsx.LookupField(def.Key)
		if !ok || !f.Stored || !f.Detail || f.Level != def.Level || f.CodeKind != def.CodeKind {
			t.Errorf("field %s: %+v", def.Key, f)
		}
		if g, ok := xlsx.MatchHeader(def.Label); !ok || g.Key != def.Key {
			t.Errorf("catalog label %s matches %q", def.Label, g.Key)
		}
	}
}
