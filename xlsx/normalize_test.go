package xlsx_test

import (
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

func TestSerialToDate(t *testing.T) {
	tests := []struct {
		serial   float64
		date1904 bool
		want     time.Time
		ok       bool
	}{
		{1, false, date(1900, 1, 1), true},
		{59, false, date(1900, 2, 28), true},
		{60, false, time.Time{}, false}, // 1900-02-29, which Excel counts but never was
		{61, false, date(1900, 3, 1), true},
		{31118, false, date(1985, 3, 12), true},
		{31118.5, false, date(1985, 3, 12).Add(12 * time.Hour), true},
		{0, true, date(1904, 1, 1), true},
		{29656, true, date(1985, 3, 12), true},
		{0, false, time.Time{}, false},
		{-1, false, time.Time{}, false},
		{3e6, false, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := xlsx.SerialToDate(tt.serial, tt.date1904)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("SerialToDate(%v, %v) = %v, %v; want %v, %v", tt.serial, tt.date1904, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := date(1985, 3, 12)
	for _, c := range []xlsx.Cell{
		{Text: "1985-03-12"}, {Text: "1985-3-12"}, {Text: "1985/03/12"}, {Text: "1985.03.12"}, {Text: "1985.3.12"},
		{Text: "19850312"}, {Text: "1985年3月12日"}, {Text: "1985年03月12号"}, {Text: " １９８５－０３－１２ "},
		{Text: "1985-03-12 00:00:00"}, {Text: "1985-03-12T00:00:00"}, {Text: "31118"},
		{Number: true, Value: 31118, Date: true}, {Number: true, Value: 31118}, {Number: true, Value: 19850312},
	} {
		got, err := xlsx.ParseDate(c, false)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%+v) = %v, %v", c, got, err)
		}
	}
	for _, s := range []string{"1985-02-30", "85-3-12", "12/03/1985", "三月", "1985-13-01", "0"} {
		if _, err := xlsx.ParseDate(xlsx.Cell{Text: s}, false); err == nil {
			t.Errorf("ParseDate(%q): no error", s)
		}
	}
	if _, err := xlsx.ParseDate(xlsx.Cell{Number: true, Value: 60}, false); err == nil {
		t.Error("serial 60 (1900-02-29) accepted")
	}
	_, err := xlsx.ParseDate(xlsx.Cell{Text: "1985-02-30"}, false)
	if err.Error() != `"1985-02-30" is not a date; write it as 1985-03-12.` {
		t.Errorf("message %q", err)
	}
}

func TestParseAmount(t *testing.T) {
	tests := map[string]tuopin.Money{
		"3,146.50": 314650, "3146.5元": 314650, "￥3146.5": 314650, "３１４６．５": 314650, " 3146 ": 314600,
		"3146.505": 314651, "0": 0, "": 0,
	}
	for s, want := range tests {
		got, err := xlsx.ParseAmount(xlsx.Cell{Text: s})
		if err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if got, _ := xlsx.ParseAmount(xlsx.Cell{Number: true, Value: 3146.666666}); got != 314667 {
		t.Errorf("number: %v", got)
	}
	for _, s := range []string{"abc", "1e5", "三千"} {
		if _, err := xlsx.ParseAmount(xlsx.Cell{Text: s}); err == nil {
			t.Errorf("ParseAmount(%q): no error", s)
		}
	}
}

func TestResolveCode(t *testing.T) {
	codes := tuopin.DefaultCodeSet
	tests := []struct{ kind, text, want string }{
		{tuopin.CodeRelation, "户主", "01"}, {tuopin.CodeRelation, "01", "01"}, {tuopin.CodeRelation, "1", "01"},
		{tuopin.CodeRelation, "配偶", "02"}, {tuopin.CodeRelation, "子", "03"}, {tuopin.CodeRelation, "儿子", "03"},
		{tuopin.CodeRelation, "孙女", "08"}, {tuopin.CodeRelation, "本人", "01"},
		{tuopin.CodeSex, "男", "1"}, {tuopin.CodeSex, "女性", "2"}, {tuopin.CodeSex, "２", "2"},
		{tuopin.CodeAttribute, "一般贫困户", "01"}, {tuopin.CodeAttribute, "4", "04"},
		{tuopin.CodeStatus, "未脱贫", "0"}, {tuopin.CodeStatus, "已脱贫（享受政策）", "1"}, {tuopin.CodeStatus, "已脱贫不再享受政策", "4"},
		{tuopin.CodeStatus, "Returned to poverty", "3"},
		{tuopin.CodeCause, "因病", "01"}, {tuopin.CodeCause, "缺劳动力", "08"}, {tuopin.CodeCause, "其它", "99"},
		{tuopin.CodeEducation, "文盲", "01"}, {tuopin.CodeHealth, "残疾人", "04"}, {tuopin.CodeSkill, "无劳动力", "05"},
		{tuopin.CodeSkill, "", ""},
	}
	for _, tt := range tests {
		got, err := xlsx.ResolveCode(codes, tt.kind, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("ResolveCode(%s, %q) = %q, %v; want %q", tt.kind, tt.text, got, err, tt.want)
		}
	}
	_, err := xlsx.ResolveCode(codes, tuopin.CodeHealth, "残疾，长期慢性病")
	if err == nil || err.Error() != `"残疾，长期慢性病" holds several values; health takes one of: 健康、长期慢性病、患有大病、残疾.` {
		t.Errorf("multiple: %v", err)
	}
	_, err = xlsx.ResolveCode(codes, tuopin.CodeSex, "未知")
	if err == nil || err.Error() != `"未知" is not a sex value; use one of: 男, 女 (or its code).` {
		t.Errorf("unknown: %v", err)
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{xlsx.CleanText, "  韦秀金\u3000 ", "韦秀金"},
		{xlsx.CleanText, "张\u3000三", "张三"},
		{xlsx.CleanText, "Ｍａｒｙ  Ａｎｎ", "Mary Ann"},
		{xlsx.CleanText, "\u00a0李\u200b四\t", "李四"},
		{xlsx.CodeText, " ４５１２ ２４\u30001985x ", "4512241985X"},
		{xlsx.CodeText, "'451224", "451224"},
		{xlsx.NormalizeHeader, "＊证件号码 ", "证件号码"},
		{xlsx.NormalizeHeader, "人均纯收入（元）", "人均纯收入(元)"},
		{xlsx.NormalizeHeader, "2.家庭人均纯收入", "家庭人均纯收入"},
		{xlsx.NormalizeHeader, "（一）户编号：", "户编号"},
		{xlsx.NormalizeHeader, "姓 名*", "姓名"},
		{xlsx.NormalizeHeader, "2016年", "2016年"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%q → %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseIDCell(t *testing.T) {
	id := idNumber("451224", date(1985, 3, 12), 11)
	for _, c := range []xlsx.Cell{{Text: id}, {Text: " " + fullWidth(id) + " "}} {
		if got, err := xlsx.ParseIDCell(c); err != nil || got != id {
			t.Errorf("ParseIDCell(%+v) = %q, %v", c, got, err)
		}
	}
	if got, err := xlsx.ParseIDCell(xlsx.Cell{Number: true, Value: 451224850312001, Raw: "451224850312001", Text: "4.51225E+14"}); err != nil || got != "451224850312001" {
		t.Errorf("15-digit number: %q, %v", got, err)
	}
}

func TestHeaderMatching(t *testing.T) {
	for text, want := range map[string]string{
		"身份证号码": "id_number", "证件号码*": "id_number", "户码*": "number", "务工时间（月）": "work_months",
		"户主和与户主关系": "relation", "脱贫标志": "status", "人均纯收入(元)": "income_per_capita", "省、市、县、乡、村": "area_name",
	} {
		f, ok := xlsx.MatchHeader(text)
		if !ok || f.Key != want {
			t.Errorf("MatchHeader(%q) = %q, %v; want %q", text, f.Key, ok, want)
		}
	}
	if f, ok := xlsx.MatchHeader("备注"); ok {
		t.Errorf("备注 matched %s", f.Key)
	}
}

func TestSmallHelpers(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 255: "IV", 16383: "XFD"} {
		if got := xlsx.ColumnLetter(i); got != want {
			t.Errorf("ColumnLetter(%d) = %s, want %s", i, got, want)
		}
	}
	for head, want := range map[string]xlsx.Format{"PK\x03\x04....": xlsx.FormatXLSX, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1": xlsx.FormatXLS, "户编号,姓名": xlsx.FormatCSV, "": xlsx.FormatCSV} {
		if got := xlsx.DetectFormat([]byte(head)); got != want {
			t.Errorf("DetectFormat(%q) = %s, want %s", head, got, want)
		}
	}
}
