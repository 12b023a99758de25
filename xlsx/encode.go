package xlsx

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/tuopin/tuopin"
)

// Layout is the column layout of an export.
type Layout string

// Layouts.
const (
	// LayoutNational writes the national 47-column member export
	// (NationalMemberColumns), the member details it lacks
	// (MemberDetailColumns), then HouseholdColumns (the core household
	// fields and every household detail), with national column names and
	// codes, one row per member.
	LayoutNational Layout = "national"
	// LayoutReadable writes the registry's fields with code labels
	// instead of codes, one row per member with the household's fields on
	// each row: the core household fields, the household details (in
	// catalog order, titled by the catalog), then the member's core fields
	// and details.
	LayoutReadable Layout = "readable"
)

// readableHousehold and readableMember are the core fields of the
// readable layout; area names are added after 行政区划代码 when the
// encoder has an AreaNames function, and the details after each group.
var (
	readableHousehold = []string{
		FieldYear, FieldAreaCode, FieldNumber, FieldHeadName, FieldSize, FieldAttribute, FieldMainCause,
		FieldIncomePerCapita, FieldStatus, FieldPhone,
	}
	readableMember = []string{
		FieldName, FieldRelation, FieldSex, FieldBirthDate, FieldIDNumber, FieldEducation, FieldHealth, FieldSkill,
	}
)

type colKind int

const (
	kindText colKind = iota
	kindCode         // digits that must stay text: IDs, numbers, codes
	kindDate
	kindMoney
	kindInt
	kindDecimal
)

type encColumn struct {
	field  string
	header string
	kind   colKind
	width  float64
	def    *tuopin.FieldDef // for a Detail field
	member bool             // def is a member field
}

// HouseholdEncoder writes households, one row per member, to .xlsx or
// CSV. Rows are streamed: an .xlsx export goes through excelize's
// StreamWriter (rows spill to a temporary file past 16 MiB), a CSV export
// straight to w.
type HouseholdEncoder struct {
	// AreaNames, when set before the first Encode, gives the names of a
	// village code's province, city, county, township and village, for the
	// national layout's name columns and extra columns of the readable one.
	AreaNames func(code string) AreaNames
	// Lang is the language of labels in the readable layout: "" or "zh"
	// for Chinese, "en" for English.
	Lang string

	w      io.Writer
	format Format
	layout Layout
	codes  *tuopin.CodeSet
	cols   []encColumn
	row    int
	names  map[string]AreaNames

	// xlsx
	file   *excelize.File
	sw     *excelize.StreamWriter
	styles map[colKind]int
	vals   []any
	// csv
	bw     *bufio.Writer
	cw     *csv.Writer
	closer io.Closer
	rec    []string
}

// NewHouseholdEncoder starts an export to w in a format (FormatXLSX,
// FormatCSV in UTF-8 with a byte-order mark so that Excel reads it, or
// FormatCSVGBK) and a layout. codes gives the labels of the readable
// layout; nil means tuopin.DefaultCodeSet. Call Close to finish the file.
func NewHouseholdEncoder(w io.Writer, format Format, layout Layout, codes *tuopin.CodeSet) (*HouseholdEncoder, error) {
	if codes == nil {
		codes = tuopin.DefaultCodeSet
	}
	if layout != LayoutNational && layout != LayoutReadable {
		return nil, fmt.Errorf("xlsx: unknown layout %q", layout)
	}
	e := &HouseholdEncoder{w: w, format: format, layout: layout, codes: codes}
	switch format {
	case FormatXLSX, FormatCSV, FormatCSVGBK:
	default:
		return nil, fmt.Errorf("xlsx: cannot write format %q", format)
	}
	return e, nil
}

func (e *HouseholdEncoder) columns() []encColumn {
	var keys []string
	if e.layout == LayoutNational {
		keys = append(append(append(keys, NationalMemberColumns...), MemberDetailColumns...), HouseholdColumns...)
	} else {
		keys = append(keys, readableHousehold[:2]...)
		if e.AreaNames != nil {
			keys = append(keys, FieldProvince, FieldCity, FieldCounty, FieldTownship, FieldVillage)
		}
		keys = append(keys, readableHousehold[2:]...)
		for _, f := range tuopin.HouseholdFieldDefs {
			keys = append(keys, f.Key)
		}
		keys = append(keys, readableMember...)
		for _, f := range tuopin.MemberFieldDefs {
			keys = append(keys, f.Key)
		}
	}
	cols := make([]encColumn, 0, len(keys))
	for _, k := range keys {
		f := fieldByKey[k]
		c := encColumn{field: k, header: f.Label, kind: kindText, width: 12}
		if e.layout == LayoutReadable && e.Lang == "en" {
			c.header = f.LabelEn
		}
		if def, ok := detailDefs[k]; ok {
			cols = append(cols, e.detailColumn(c, def))
			continue
		}
		switch k {
		case FieldIDNumber, "head_id_number":
			c.kind, c.width = kindCode, 21
		case FieldNumber, FieldAreaCode, "person_number", FieldPhone, "member_phone":
			c.kind, c.width = kindCode, 16
		case FieldBirthDate:
			c.kind, c.width = kindDate, 12
		case FieldIncomePerCapita:
			c.kind, c.width = kindMoney, 12
			if e.layout == LayoutReadable && e.Lang != "en" {
				c.header = "人均纯收入(元)"
			}
		case FieldYear, FieldSize:
			c.kind, c.width = kindInt, 8
		case FieldProvince, FieldCity, FieldCounty, FieldTownship, FieldVillage:
			c.width = 14
		}
		if f.CodeKind != "" {
			c.width = 14
			if e.layout == LayoutNational {
				c.kind, c.width = kindCode, 10
			}
		}
		cols = append(cols, c)
	}
	return cols
}

// detailColumn sets up the column of a Detail field: titled by the
// catalog in the readable layout, typed by the field.
func (e *HouseholdEncoder) detailColumn(c encColumn, def *tuopin.FieldDef) encColumn {
	c.def, c.member = def, def.Level == tuopin.LevelMemberField
	if e.layout == LayoutReadable {
		c.header = def.Title(e.lang())
	}
	switch def.Type {
	case tuopin.FieldText:
		if codeLikeDetails[def.Key] {
			c.kind, c.width = kindCode, 16
		} else if def.MaxLen == 0 || def.MaxLen > 50 {
			c.width = 20
		}
	case tuopin.FieldCode, tuopin.FieldCodes:
		c.width = 14
		if e.layout == LayoutNational {
			c.kind, c.width = kindCode, 10
		}
	case tuopin.FieldInt:
		c.kind, c.width = kindInt, 10
	case tuopin.FieldDecimal:
		c.kind = kindDecimal
	case tuopin.FieldMoney:
		c.kind = kindMoney
	case tuopin.FieldDate:
		c.kind = kindDate
	}
	return c
}

func (e *HouseholdEncoder) lang() string {
	if e.Lang == "en" {
		return "en"
	}
	return "zh"
}

func (e *HouseholdEncoder) start() error {
	e.cols = e.columns()
	if e.format == FormatXLSX {
		return e.startXLSX()
	}
	e.bw = bufio.NewWriterSize(e.w, 64<<10)
	var out io.Writer = e.bw
	if e.format == FormatCSVGBK {
		tw := transform.NewWriter(e.bw, simplifiedchinese.GB18030.NewEncoder())
		out, e.closer = tw, tw
	} else if _, err := e.bw.Write(bom); err != nil {
		return err
	}
	e.cw = csv.NewWriter(out)
	e.cw.UseCRLF = true
	e.rec = make([]string, len(e.cols))
	for i, c := range e.cols {
		e.rec[i] = c.header
	}
	return e.cw.Write(e.rec)
}

func (e *HouseholdEncoder) startXLSX() error {
	f := excelize.NewFile()
	e.file = f
	sheet := "家庭成员"
	if e.Lang == "en" && e.layout == LayoutReadable {
		sheet = "Members"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	e.sw = sw
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
			{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}},
		NumFmt: 49,
	})
	if err != nil {
		return err
	}
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": IDs stay text when edited
	dateFmt := "yyyy-mm-dd"
	date, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	money, _ := f.NewStyle(&excelize.Style{NumFmt: 2}) // 0.00
	e.styles = map[colKind]int{kindText: text, kindCode: text, kindDate: date, kindMoney: money}
	for i, c := range e.cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	e.vals = make([]any, len(e.cols))
	for i, c := range e.cols {
		e.vals[i] = excelize.Cell{StyleID: head, Value: c.header}
	}
	e.row = 1
	return sw.SetRow("A1", e.vals, excelize.RowOpts{Height: 30})
}

// Encode writes the rows of one household: one per member, or a single
// row of household fields when it has no members.
func (e *HouseholdEncoder) Encode(h *tuopin.Household) error {
	if e.cols == nil {
		if err := e.start(); err != nil {
			return err
		}
	}
	members := h.Members
	if len(members) == 0 {
		members = []*tuopin.Member{nil}
	}
	var names AreaNames
	if e.AreaNames != nil {
		names = e.areaNames(h.AreaCode)
	}
	for _, m := range members {
		e.row++
		if e.format == FormatXLSX {
			for i, c := range e.cols {
				v := e.value(h, m, c, names)
				if v == nil {
					e.vals[i] = nil
					continue
				}
				e.vals[i] = excelize.Cell{StyleID: e.styles[c.kind], Value: v}
			}
			cell, _ := excelize.CoordinatesToCellName(1, e.row)
			if err := e.sw.SetRow(cell, e.vals); err != nil {
				return err
			}
			continue
		}
		for i, c := range e.cols {
			e.rec[i] = csvText(e.value(h, m, c, names))
		}
		if err := e.cw.Write(e.rec); err != nil {
			return err
		}
	}
	return nil
}

func (e *HouseholdEncoder) areaNames(code string) AreaNames {
	if e.names == nil {
		e.names = map[string]AreaNames{}
	}
	n, ok := e.names[code]
	if !ok {
		n = e.AreaNames(code)
		if len(e.names) > 10000 {
			clear(e.names)
		}
		e.names[code] = n
	}
	return n
}

func csvText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case time.Time:
		return v.Format(tuopin.DateLayout)
	}
	return fmt.Sprint(v)
}

// value is a cell's value: a string, an int, a float64 (yuan) or a
// time.Time; nil for an empty cell.
func (e *HouseholdEncoder) value(h *tuopin.Household, m *tuopin.Member, c encColumn, names AreaNames) any {
	code := func(kind, v string) any {
		if v == "" {
			return nil
		}
		if e.layout == LayoutReadable {
			lang := "zh"
			if e.Lang == "en" {
				lang = "en"
			}
			return e.codes.Label(kind, v, lang)
		}
		return v
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	if c.def != nil {
		if !c.member {
			return e.detailCell(c.def, h.Details[c.field])
		}
		if m == nil {
			return nil
		}
		return e.detailCell(c.def, m.Details[c.field])
	}
	switch c.field {
	case FieldYear:
		return h.Year
	case FieldAreaCode:
		return str(h.AreaCode)
	case FieldProvince:
		return str(names.Province)
	case FieldCity:
		return str(names.City)
	case FieldCounty:
		return str(names.County)
	case FieldTownship:
		return str(names.Township)
	case FieldVillage:
		return str(names.Village)
	case FieldNumber:
		return str(h.Number)
	case FieldHeadName:
		return str(h.HeadName)
	case "head_id_number":
		if head := h.Head(); head != nil {
			return str(head.IDNumber)
		}
		return nil
	case FieldSize:
		return h.Size
	case FieldAttribute:
		return code(tuopin.CodeAttribute, h.Attribute)
	case FieldMainCause:
		return code(tuopin.CodeCause, h.MainCause)
	case FieldIncomePerCapita:
		return float64(h.IncomePerCapita) / 100
	case FieldStatus:
		return code(tuopin.CodeStatus, h.Status)
	case FieldPhone:
		return str(h.Phone)
	}
	if m == nil {
		return nil
	}
	switch c.field {
	case FieldName:
		return str(m.Name)
	case FieldSex:
		return code(tuopin.CodeSex, m.Sex)
	case FieldBirthDate:
		if m.BirthDate.IsZero() {
			return nil
		}
		if e.format == FormatXLSX {
			return m.BirthDate
		}
		return m.BirthDate.Format(tuopin.DateLayout)
	case FieldIDNumber:
		return str(m.IDNumber)
	case FieldRelation:
		return code(tuopin.CodeRelation, m.Relation)
	case FieldEducation:
		return code(tuopin.CodeEducation, m.Education)
	case FieldHealth:
		return code(tuopin.CodeHealth, m.Health)
	case FieldSkill:
		return code(tuopin.CodeSkill, m.Skill)
	}
	return nil // a national column the registry does not keep (人口编号 …)
}

// Close finishes the file and writes what is left of it to w.
func (e *HouseholdEncoder) Close() error {
	if e.cols == nil {
		if err := e.start(); err != nil {
			return err
		}
	}
	if e.format == FormatXLSX {
		if err := e.sw.Flush(); err != nil {
			return err
		}
		if err := e.file.Write(e.w); err != nil {
			return err
		}
		return e.file.Close()
	}
	e.cw.Flush()
	if err := e.cw.Error(); err != nil {
		return err
	}
	if e.closer != nil {
		if err := e.closer.Close(); err != nil {
			return err
		}
	}
	return e.bw.Flush()
}
