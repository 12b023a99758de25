package xlsx

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
)

// The national field set (tuopin.HouseholdFieldDefs, MemberFieldDefs):
// how the decoder reads its cells into Household.Details and
// Member.Details, and how the encoder writes them.
//
// A row keeps the detail cells it has in a short slice (detCell), not in
// the fixed arrays of the core fields: a file maps a handful of them or
// all ninety, and most cells are empty.

// detailCol is a mapped column of a Detail field.
type detailCol struct {
	key    string
	def    *tuopin.FieldDef
	col    int
	member bool
	hh     int // the index of a household field in group.hh; -1 for a member field
	// codeLike text fields are numbers written as text (phones, card
	// and person numbers): a number cell is read by its digits, and one
	// whose digits Excel lost is refused.
	codeLike bool
}

// codeLikeDetails are the text fields read as codeValue.
var codeLikeDetails = map[string]bool{
	"person_number": true, "member_phone": true, "disability_cert_no": true,
	"poor_village_number": true, "helper_phone": true,
}

// detCell is a detail cell of a row: a household one read well, held
// while the row is grouped (HouseholdDecoder.rowHH), or one refused, kept
// on the row (rowRec.dets) so that validation does not refuse it twice.
// A member detail read well lives in the member's Details only.
type detCell struct {
	dc   *detailCol
	key  string
	text string // the cell as the user sees it
	val  string // canonical value
}

// hhDetail is a household detail as first given, and where.
type hhDetail struct {
	rec       *rowRec
	text, val string
}

// placeholders are what people type into a cell to say "nothing here".
var placeholders = map[string]bool{"/": true, "-": true, "--": true, "—": true, "——": true, "\\": true}

// noneCodes are texts meaning "none" in code columns whose absence is
// the answer (no school status, no disability, no risk, no work place),
// read as not recorded rather than refused.
var noneCodes = map[string]map[string]bool{
	tuopin.CodeSchoolStatus: {"无": true, "否": true, "非在校生": true, "不在校": true},
	tuopin.CodeDisability:   {"无": true, "否": true, "非残疾": true, "非残疾人": true},
	tuopin.CodeRisk:         {"无": true, "无风险": true},
	tuopin.CodeWorkPlace:    {"无": true, "未务工": true, "不务工": true},
	tuopin.CodeRelocation:   {"无": true, "非搬迁": true},
}

// detailValue reads one detail cell into the field's canonical form; ""
// with no error is a placeholder (not recorded). Code validity by year is
// left to Household.Validate, which knows the household's year.
func (d *HouseholdDecoder) detailValue(dc *detailCol, c Cell) (string, error) {
	def := dc.def
	var text string // short texts, for placeholders and "none" words
	if !c.Number && len(c.Text) <= 16 {
		text = strings.TrimSpace(foldWidth(c.Text))
		if placeholders[text] {
			return "", nil
		}
	}
	var v string
	switch def.Type {
	case tuopin.FieldText:
		if dc.codeLike {
			s, cerr := codeValue(c, strings.ToLower(def.LabelEn), def.Label)
			if cerr != nil {
				return "", cerr
			}
			v = s
		} else {
			v = CleanText(c.Text)
		}
	case tuopin.FieldCode:
		if noneCodes[def.CodeKind][text] {
			return "", nil
		}
		code, err := d.resolve(def.CodeKind, c.Text)
		if err != nil {
			return "", err
		}
		v = code
	case tuopin.FieldCodes:
		if noneCodes[def.CodeKind][text] {
			return "", nil
		}
		codes, err := d.resolveList(def.CodeKind, c.Text)
		if err != nil {
			return "", err
		}
		v = codes
	case tuopin.FieldInt:
		n, err := ParseInt(c)
		if def.Min >= 1900 && (c.Date || err != nil) {
			// A year column given a date: "2014-05-01", 2014/5/1, a
			// date serial.
			if t, derr := ParseDate(c, d.wb.Date1904()); derr == nil && !t.IsZero() {
				n, err = t.Year(), nil
			}
		}
		if err != nil {
			return "", err
		}
		v = strconv.Itoa(n)
	case tuopin.FieldDecimal:
		m, err := parseDecimal(c)
		if err != nil {
			return "", err
		}
		v = m.Yuan()
	case tuopin.FieldMoney:
		m, err := ParseAmount(c)
		if err != nil {
			return "", err
		}
		v = m.Yuan()
	case tuopin.FieldDate:
		t, err := ParseDate(c, d.wb.Date1904())
		if err != nil {
			return "", err
		}
		if t.IsZero() {
			return "", nil
		}
		v = t.Format(tuopin.DateLayout)
	}
	if def.Type == tuopin.FieldCode || def.Type == tuopin.FieldDate {
		return v, nil // canonical already: a known code, a real date
	}
	nv, err := def.Normalize(v, d.codes, 0)
	if err != nil {
		return "", detailRangeErr(def, v)
	}
	return nv, nil
}

// detailRangeErr says why a value read from a cell is not one the field
// takes (FieldDef.Normalize refused it).
func detailRangeErr(def *tuopin.FieldDef, v string) *cellError {
	switch def.Type {
	case tuopin.FieldText:
		max := def.MaxLen
		if max == 0 {
			max = 100
		}
		return &cellError{code: CodeTooLong,
			en: fmt.Sprintf("%s (%s) takes at most %d characters; this one has %d.", def.Label, def.LabelEn, max, utf8.RuneCountInString(v)),
			zh: fmt.Sprintf("%s最多 %d 个字，此处为 %d 个字。", def.Label, max, utf8.RuneCountInString(v))}
	case tuopin.FieldCode, tuopin.FieldCodes:
		return &cellError{code: CodeInvalidChoice,
			en: fmt.Sprintf("%q is not a %s (%s) code.", v, def.Label, def.LabelEn),
			zh: fmt.Sprintf("“%s”不是有效的%s代码。", v, def.Label)}
	}
	if strings.HasPrefix(v, "-") && def.Min >= 0 {
		return &cellError{code: CodeOutOfRange,
			en: fmt.Sprintf("%s (%s) cannot be negative (%s).", def.Label, def.LabelEn, v),
			zh: fmt.Sprintf("%s不能为负数（%s）。", def.Label, v)}
	}
	return &cellError{code: CodeOutOfRange,
		en: fmt.Sprintf("%s (%s) must be between %d and %d, not %s.", def.Label, def.LabelEn, def.Min, def.Max, v),
		zh: fmt.Sprintf("%s应在 %d 到 %d 之间，此处为 %s。", def.Label, def.Min, def.Max, v)}
}

// listSeparator splits a cell of several codes ("因病、因残").
func listSeparator(r rune) bool {
	switch r {
	case ',', '，', '、', ';', '；':
		return true
	}
	return false
}

// resolveList reads a cell of several codes or labels, separated by
// 、，,; or spaces, into the canonical comma-separated list.
func (d *HouseholdDecoder) resolveList(kind, text string) (string, error) {
	var out []string
	var first error
	for _, part := range strings.FieldsFunc(foldWidth(text), listSeparator) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, err := d.resolve(kind, part)
		if err == nil {
			out = append(out, code)
			continue
		}
		// Spaces separate too ("因病 因残"), unless a label has spaces
		// ("Failed business", tried whole first).
		words := strings.Fields(part)
		if len(words) > 1 {
			var codes []string
			for _, w := range words {
				c, werr := d.resolve(kind, w)
				if werr != nil {
					codes = nil
					break
				}
				codes = append(codes, c)
			}
			if codes != nil {
				out = append(out, codes...)
				continue
			}
		}
		if first == nil {
			first = err
		}
	}
	if first != nil {
		// A label that itself holds a separator ("液化气、天然气").
		if code, err := d.resolve(kind, text); err == nil {
			return code, nil
		}
		return "", first
	}
	return strings.Join(out, ","), nil
}

// decimalUnits are units written after an area or a distance.
var decimalUnits = []string{"平方米", "平米", "M2", "M²", "㎡", "亩", "公里", "KM", "米"}

// parseDecimal reads a number with up to two decimals ("3.5", "3.5亩",
// "120平方米", a number cell rounded to the hundredth) as hundredths.
func parseDecimal(c Cell) (tuopin.Money, error) {
	bad := func() error {
		return cellErr(CodeInvalidNumber, "%q is not a number (write 3.5).", "“%s”不是数字，请写成 3.5 的格式。", strings.TrimSpace(c.Text))
	}
	if c.Number {
		if math.IsNaN(c.Value) || math.Abs(c.Value) > 1e12 {
			return 0, bad()
		}
		return tuopin.Money(math.Round(c.Value * 100)), nil
	}
	s := strings.ReplaceAll(CodeText(c.Text), ",", "")
	for _, u := range decimalUnits {
		if t, ok := strings.CutSuffix(s, u); ok {
			s = t
			break
		}
	}
	if m, err := tuopin.ParseYuan(s); err == nil {
		return m, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e12 || strings.ContainsAny(s, "eEinfINF") {
		return 0, bad()
	}
	return tuopin.Money(math.Round(f * 100)), nil
}

// decodeDetails reads the row's detail cells: member fields into the
// member, household fields into d.rowHH for mergeHousehold.
func (d *HouseholdDecoder) decodeDetails(r Row, rec *rowRec) {
	for i := range d.dets {
		dc := &d.dets[i]
		c := r.Cell(dc.col)
		if c.IsEmpty() {
			continue
		}
		v, err := d.detailValue(dc, c)
		switch {
		case err != nil:
			rec.dets = append(rec.dets, detCell{dc: dc, key: dc.key, text: cellText(c)})
			d.cellError(rec, dc.key, err)
		case v == "":
		case dc.member:
			if rec.member.Details == nil {
				rec.member.Details = make(map[string]string, len(d.dets)-d.nHHDets)
			}
			rec.member.Details[dc.key] = v
		default:
			d.rowHH = append(d.rowHH, detCell{dc: dc, key: dc.key, text: cellText(c), val: v})
		}
	}
}

// detail returns the row's refused cell of a detail field, or nil.
func (r *rowRec) detail(field string) *detCell {
	for j := range r.dets {
		if r.dets[j].key == field {
			return &r.dets[j]
		}
	}
	return nil
}

// mergeHousehold adds the household details of the row just decoded
// (d.rowHH) to its group: each is taken from the first row that gives
// it; a later row that says otherwise is refused (CodeMismatch), as for
// the core household fields. Rows that agree cost nothing.
func (d *HouseholdDecoder) mergeHousehold(g *group, rec *rowRec) {
	if g.hh == nil {
		g.hh = make([]hhDetail, d.nHHDets)
	}
	for _, c := range d.rowHH {
		first := &g.hh[c.dc.hh]
		if first.rec == nil {
			*first = hhDetail{rec: rec, text: c.text, val: c.val}
			continue
		}
		if first.val == c.val {
			continue
		}
		fd := fieldByKey[c.key]
		rec.dets = append(rec.dets, detCell{dc: c.dc, key: c.key, text: c.text})
		e := d.rowErr(rec, c.key, CodeMismatch,
			fmt.Sprintf("%s (%s) is %q here but %q on row %d of the same household; the household's rows must agree.", fd.Label, fd.LabelEn, c.text, first.text, first.rec.num),
			fmt.Sprintf("本行的%s为“%s”，与同户第 %d 行的“%s”不一致；同一户各行的户信息应相同。", fd.Label, c.text, first.rec.num, first.text))
		e.Household = g.number
		rec.errs = append(rec.errs, e)
	}
}

// details returns the household details of a group, nil for none.
func (g *group) details(d *HouseholdDecoder) map[string]string {
	var out map[string]string
	for i := range d.dets {
		dc := &d.dets[i]
		if dc.hh < 0 || g.hh == nil || g.hh[dc.hh].rec == nil {
			continue
		}
		if out == nil {
			out = make(map[string]string, d.nHHDets)
		}
		out[dc.key] = g.hh[dc.hh].val
	}
	return out
}

// detailSource returns the row a household detail of a group was taken
// from, and its cell text.
func (d *HouseholdDecoder) detailSource(g *group, field string) (*rowRec, string) {
	i, ok := d.detIdx[field]
	if !ok || d.dets[i].hh < 0 || g.hh == nil {
		return nil, ""
	}
	x := g.hh[d.dets[i].hh]
	return x.rec, x.text
}

// checkTransferSum refuses a 转移性收入 that is not the sum of the parts
// the file gives beside it: the registry keeps the parts and sums them
// (Household.Normalize), so a total that says otherwise is an error in
// the file, not something to overwrite silently.
func (d *HouseholdDecoder) checkTransferSum(g *group, details map[string]string) []RowError {
	total, ok := details[tuopin.IncomeTransfer]
	if !ok {
		return nil
	}
	var sum tuopin.Money
	var parts []string
	for _, f := range tuopin.HouseholdFieldDefs {
		if f.Of != tuopin.IncomeTransfer {
			continue
		}
		if v, ok := details[f.Key]; ok {
			m, _ := tuopin.ParseYuan(v)
			sum += m
			parts = append(parts, f.Label)
		}
	}
	t, _ := tuopin.ParseYuan(total)
	if len(parts) == 0 || t == sum {
		return nil
	}
	src, text := d.detailSource(g, tuopin.IncomeTransfer)
	if src == nil {
		src = g.rows[0]
	}
	e := d.rowErr(src, tuopin.IncomeTransfer, CodeSumMismatch,
		fmt.Sprintf("转移性收入 (transfer income) is %s but its parts given in the file (%s) add up to %s.", total, strings.Join(parts, ", "), sum.Yuan()),
		fmt.Sprintf("转移性收入为 %s，但文件中各分项（%s）之和为 %s；转移性收入应等于其分项之和。", total, strings.Join(parts, "、"), sum.Yuan()))
	e.Household, e.Value = g.number, text
	src.fail(tuopin.IncomeTransfer)
	return []RowError{e}
}

// detailCell is the value the encoder writes for a detail field: codes
// (national layout) or labels (readable), numbers as numbers, dates as
// dates on .xlsx; nil when not recorded.
func (e *HouseholdEncoder) detailCell(def *tuopin.FieldDef, v string) any {
	if v == "" {
		return nil
	}
	switch def.Type {
	case tuopin.FieldCode, tuopin.FieldCodes:
		if e.layout == LayoutReadable {
			return def.Display(v, e.codes, e.lang())
		}
		return v
	case tuopin.FieldInt:
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	case tuopin.FieldDecimal, tuopin.FieldMoney:
		if m, err := tuopin.ParseYuan(v); err == nil {
			if e.format != FormatXLSX && def.Type == tuopin.FieldDecimal {
				return v
			}
			return float64(m) / 100
		}
	case tuopin.FieldDate:
		if e.format == FormatXLSX {
			if t, err := parseCanonicalDate(v); err == nil {
				return t
			}
		}
	}
	return v
}

// parseCanonicalDate reads a date in tuopin.DateLayout.
func parseCanonicalDate(v string) (time.Time, error) { return time.Parse(tuopin.DateLayout, v) }
