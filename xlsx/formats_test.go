package xlsx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// TestDecodeXLS decodes households.xls, written by xlwt (see
// testdata/gen_households_xls.py): a merged two-row header under a title,
// real date cells, a 1985.03.12-style date, an amount in a 0.00 cell and
// an ID number typed into a General cell.
func TestDecodeXLS(t *testing.T) {
	wb := mustOpenFile(t, "testdata/households.xls")
	if wb.Format() != xlsx.FormatXLS || strings.Join(wb.SheetNames(), ",") != "贫困人口,备注" {
		t.Fatalf("format %s, sheets %v", wb.Format(), wb.SheetNames())
	}
	hs, errsOf, _ := decodeAll(t, wb, xlsx.DecodeOptions{})
	if len(hs) != 2 {
		t.Fatalf("%d households", len(hs))
	}
	want := &tuopin.Household{Year: 2016, Number: "4512241000101", AreaCode: "451224104201", HeadName: "韦金华", Size: 2,
		Attribute: "01", MainCause: "01", IncomePerCapita: 314650, Status: "0",
		Members: []*tuopin.Member{
			{Name: "韦金华", Sex: "1", BirthDate: date(1975, 4, 5), IDNumber: idNumber("451224", date(1975, 4, 5), 11), Relation: "01", Education: "02"},
			{Name: "黄春英", Sex: "2", BirthDate: date(1978, 9, 10), IDNumber: idNumber("451224", date(1978, 9, 10), 22), Relation: "02", Education: "03"},
		}}
	if len(errsOf[want.Number]) > 0 {
		t.Errorf("errors: %v", errsOf[want.Number])
	}
	sameHousehold(t, hs[0], want)
	errs := errsOf["4512241000102"]
	if len(errs) != 1 || errs[0].Row != 6 || errs[0].Column != "L" || errs[0].Code != xlsx.CodeStoredAsNumber ||
		errs[0].Value != "4.51224E+17" || errs[0].Header != "成员信息 / 身份证号码" {
		t.Errorf("errors: %+v", errs)
	}
}

// TestXLSSharedStrings reads 1,200 strings whose shared string table
// spans many CONTINUE records, some strings split across them.
func TestXLSSharedStrings(t *testing.T) {
	wb := mustOpenFile(t, "testdata/households.xls")
	rows, err := wb.Rows(1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		i := r.Num - 1
		a := fmt.Sprintf("备注第%d条：", i) + strings.Repeat("扶贫开发建档立卡", i%7+1)
		b := fmt.Sprintf("note %d ", i) + strings.Repeat("x", i%50)
		if r.Cell(0).Text != a || r.Cell(1).Text != b {
			t.Fatalf("row %d: %q %q", r.Num, r.Cell(0).Text, r.Cell(1).Text)
		}
		n++
	}
	if n != 600 {
		t.Errorf("%d rows, want 600", n)
	}
}

const csvText = "户编号,年度,行政区划代码,户主姓名,贫困户属性,主要致贫原因,人均纯收入（元）,脱贫状态,户联系电话,姓名,性别,出生日期,证件号码,与户主关系\r\n" +
	"4512241000201,2016,451224104201,蓝春,一般贫困户,因残,\"3,000.00元\",未脱贫,0778-1234567,蓝春 ,男,1980/1/2,%s,户主\r\n" +
	",,,,,,,,,,,,,\r\n" +
	"4512241000201,,,,,,,,,蓝秀, 女,2005年6月7日,%s,之女\r\n" +
	"4512241000202,2016,451224104201,陆明,一般贫困户,因病,1500,未脱贫,,陆明,男,19700101,451224197001010000,户主\r\n" +
	"4512241000203,2016,451224104201,班华,一般贫困户,因病,1500,未脱贫,,班华,男,1970-01-01,4.51224E+17,户主\r\n"

func csvFixture() (string, []string) {
	ids := []string{idNumber("451224", date(1980, 1, 2), 13), idNumber("451224", date(2005, 6, 7), 24)}
	// The daughter's ID number in full-width digits, as typed with a
	// Chinese input method.
	return fmt.Sprintf(csvText, ids[0], fullWidth(ids[1])), ids
}

func checkCSVHouseholds(t *testing.T, wb *xlsx.Workbook, ids []string) {
	t.Helper()
	hs, errsOf, _ := decodeAll(t, wb, xlsx.DecodeOptions{})
	if len(hs) != 3 {
		t.Fatalf("%d households", len(hs))
	}
	want := &tuopin.Household{Year: 2016, Number: "4512241000201", AreaCode: "451224104201", HeadName: "蓝春", Size: 2,
		Attribute: "01", MainCause: "02", IncomePerCapita: 300000, Status: "0", Phone: "0778-1234567",
		Members: []*tuopin.Member{
			{Name: "蓝春", Sex: "1", BirthDate: date(1980, 1, 2), IDNumber: ids[0], Relation: "01"},
			{Name: "蓝秀", Sex: "2", BirthDate: date(2005, 6, 7), IDNumber: ids[1], Relation: "04"},
		}}
	if len(errsOf[want.Number]) > 0 {
		t.Errorf("errors: %v", errsOf[want.Number])
	}
	sameHousehold(t, hs[0], want)
	if e := errsOf["4512241000202"]; len(e) != 1 || e[0].Code != xlsx.CodeLostDigits || e[0].Row != 5 || e[0].Column != "M" ||
		!strings.Contains(e[0].ReasonZH, "末三位为 000 且校验不通过") {
		t.Errorf("lost digits: %+v", e)
	}
	if e := errsOf["4512241000203"]; len(e) != 1 || e[0].Code != xlsx.CodeScientific || e[0].Value != "4.51224E+17" {
		t.Errorf("scientific: %+v", e)
	}
}

func TestDecodeCSV(t *testing.T) {
	text, ids := csvFixture()
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data, force, want string
	}{
		{"GBK", gbk, "", xlsx.EncodingGB18030},
		{"GBKForced", gbk, "gbk", xlsx.EncodingGB18030},
		{"UTF8", text, "", xlsx.EncodingUTF8},
		{"UTF8BOM", "\xEF\xBB\xBF" + text, "", xlsx.EncodingUTF8BOM},
		{"UTF8BOMForced", "\xEF\xBB\xBF" + text, "utf-8", xlsx.EncodingUTF8BOM},
		{"Tabs", strings.ReplaceAll(strings.ReplaceAll(text, ",", "\t"), "\"3\t000.00元\"", "3000元"), "", xlsx.EncodingUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb := mustOpen(t, []byte(tt.data), xlsx.OpenOptions{Encoding: tt.force})
			if wb.Format() != xlsx.FormatCSV || wb.Encoding() != tt.want {
				t.Fatalf("format %s encoding %s, want csv %s", wb.Format(), wb.Encoding(), tt.want)
			}
			checkCSVHouseholds(t, wb, ids)
		})
	}
	t.Run("ErrUnknownEncoding", func(t *testing.T) {
		_, err := xlsx.Open(strings.NewReader(text), int64(len(text)), xlsx.OpenOptions{Encoding: "latin1"})
		if err == nil || err.Error() != `xlsx: unknown CSV encoding "latin1" (use utf-8 or gbk)` {
			t.Errorf("err %v", err)
		}
	})
}

// TestDate1904 reads a serial of a workbook that counts from 1904.
func TestDate1904(t *testing.T) {
	f := excelize.NewFile()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	for i, h := range []string{"户编号", "姓名", "出生日期", "证件号码", "与户主关系", "贫困户属性", "主要致贫原因", "脱贫状态", "行政区划代码"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellValue("Sheet1", cell, h)
	}
	f.SetCellValue("Sheet1", "A2", "1")
	f.SetCellFloat("Sheet1", "C2", 29656, -1, 64) // 1985-03-12 counted from 1904-01-01
	f.SetCellStyle("Sheet1", "C2", "C2", style)
	var buf bytes.Buffer
	f.Write(&buf)
	wb := mustOpen(t, buf.Bytes(), xlsx.OpenOptions{})
	if !wb.Date1904() {
		t.Fatal("Date1904 not read")
	}
	rows, _ := wb.Rows(0)
	rows.Next()
	r, _ := rows.Next()
	c := r.Cell(2)
	if !c.Number || !c.Date || c.Text != "1985-03-12" || c.Value != 29656 {
		t.Errorf("cell %+v", c)
	}
	if d, err := xlsx.ParseDate(c, true); err != nil || !d.Equal(date(1985, 3, 12)) {
		t.Errorf("ParseDate: %v %v", d, err)
	}
}

func TestMappingJSONAndCheck(t *testing.T) {
	data, _ := faultyWorkbook(t)
	wb := mustOpen(t, data, xlsx.OpenOptions{})
	m, err := xlsx.RecognizeHeader(wb, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back xlsx.Mapping
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if back.Fingerprint != m.Fingerprint || len(back.Columns) != len(m.Columns) || back.FieldColumn("id_number") != 14 {
		t.Errorf("mapping after JSON: %+v", back)
	}

	t.Run("ErrDuplicate", func(t *testing.T) {
		bad := back
		bad.Columns = append([]xlsx.MappedColumn(nil), back.Columns...)
		bad.Columns[20].Field = "name" // 备注 mapped to 姓名 too
		fields := tuopin.ErrorFields(bad.Check())
		if fe := fields["name"]; fe.Code != "mapping_duplicate" || fe.Message != "Columns L and U are both mapped to 姓名 (Name); map only one of them." {
			t.Errorf("%+v", fields)
		}
	})
	t.Run("ErrUnknownAndMissing", func(t *testing.T) {
		bad := back
		bad.Columns = append([]xlsx.MappedColumn(nil), back.Columns...)
		bad.Columns[0].Field = "household_no"
		bad.Columns[2].Field = ""
		fields := tuopin.ErrorFields(bad.Check())
		if fe := fields["columns[0]"]; fe.Code != "mapping_unknown_field" || fe.Message != `Column A is mapped to "household_no", which is not a known field.` {
			t.Errorf("%+v", fields)
		}
		if fe := fields["number"]; fe.Code != "mapping_required" {
			t.Errorf("%+v", fields)
		}
		if fe := fields["area_code"]; fe.Code != "mapping_required" || !strings.Contains(fe.Message, "村 (village name)") {
			t.Errorf("%+v", fields)
		}
	})
	t.Run("UserMapping", func(t *testing.T) {
		// The user sets 备注 aside and the decoder takes the mapping as is.
		user := back
		user.Columns = append([]xlsx.MappedColumn(nil), back.Columns...)
		user.Columns[10].Field = "" // 识别标准
		hs, _, _ := decodeAll(t, wb, xlsx.DecodeOptions{Mapping: &user})
		if len(hs) != 4 {
			t.Errorf("%d households", len(hs))
		}
	})
}

// TestResolveArea decodes a file that names villages instead of giving
// their code.
func TestResolveArea(t *testing.T) {
	text := "户编号,年度,县,乡,村,贫困户属性,主要致贫原因,脱贫状态,姓名,证件号码,与户主关系\n" +
		"1,2016,东兰县,武篆镇,中和村,01,01,0,韦一," + idNumber("451224", date(1980, 1, 1), 11) + ",户主\n" +
		"2,2016,东兰县,武篆镇,无此村,01,01,0,韦二," + idNumber("451224", date(1980, 1, 1), 13) + ",户主\n"
	wb := mustOpen(t, []byte(text), xlsx.OpenOptions{})
	var asked []xlsx.AreaNames
	hs, errsOf, _ := decodeAll(t, wb, xlsx.DecodeOptions{ResolveArea: func(n xlsx.AreaNames) (string, bool) {
		asked = append(asked, n)
		if n.Village == "中和村" {
			return "451224104201", true
		}
		return "", false
	}})
	if len(hs) != 2 || hs[0].AreaCode != "451224104201" || len(errsOf["1"]) != 0 {
		t.Fatalf("households %v, errors %v", hs, errsOf)
	}
	if asked[0] != (xlsx.AreaNames{County: "东兰县", Township: "武篆镇", Village: "中和村"}) {
		t.Errorf("asked %+v", asked[0])
	}
	if e := errsOf["2"]; len(e) != 1 || e[0].Code != xlsx.CodeUnknownArea || e[0].Column != "E" || e[0].ReasonZH != "在您的管辖范围内找不到村“东兰县 武篆镇 无此村”。" {
		t.Errorf("errors %+v", e)
	}
	if _, err := xlsx.NewHouseholdDecoder(wb, xlsx.DecodeOptions{}); tuopin.ErrorCode(err) != tuopin.EINVALID {
		t.Errorf("without a resolver: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	for name, data := range map[string]string{
		"NotZip": "PK\x03\x04 not really a zip",
		"NotOLE": "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 truncated",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := xlsx.Open(strings.NewReader(data), int64(len(data)), xlsx.OpenOptions{})
			if !errors.Is(err, xlsx.ErrFormat) {
				t.Errorf("err %v, want ErrFormat", err)
			}
		})
	}
}
