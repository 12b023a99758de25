package xlsx

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// RowError is why a row, or one cell of it, was refused. Row is the row
// number the spreadsheet program shows; Column its letter and Header its
// header text; Field the field key; Value the cell as the user sees it.
// Code is stable for programs (tuopin's validation codes such as
// "id_checksum", or this package's Code constants); Reason and ReasonZH
// say the same for people, in English and Chinese.
type RowError struct {
	Row       int    `json:"row"`
	Column    string `json:"column,omitempty"`
	Header    string `json:"header,omitempty"`
	Field     string `json:"field,omitempty"`
	Value     string `json:"value,omitempty"`
	Household string `json:"household,omitempty"` // the 户编号 of the row, when known
	Code      string `json:"code"`
	Reason    string `json:"reason"`
	ReasonZH  string `json:"reason_zh"`
}

// Error implements error: "row 5, column F (证件号码): reason".
func (e RowError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "row %d", e.Row)
	if e.Column != "" {
		fmt.Fprintf(&b, ", column %s", e.Column)
		if e.Header != "" {
			fmt.Fprintf(&b, " (%s)", e.Header)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// AreaNames are the area names of a row, for an area resolver.
type AreaNames struct {
	Province, City, County, Township, Village string
	Full                                      string // "省、市、县、乡、村" in one column
}

// DecodeOptions tune a HouseholdDecoder.
type DecodeOptions struct {
	Sheet int // 0-based
	// Mapping, when set, is used instead of recognising the header (a
	// mapping the user confirmed, remembered for this source).
	Mapping *Mapping
	// Codes resolves code labels; nil means tuopin.DefaultCodeSet.
	Codes *tuopin.CodeSet
	// Year is the registry year of rows without a 年度 column or value.
	Year int
	// Now bounds birth dates in validation; zero means time.Now().
	Now time.Time
	// ResolveArea finds the 12-digit village code from area names, for
	// files that name the village instead of giving its code. It is called
	// once per household; ok false refuses the household.
	ResolveArea func(AreaNames) (code string, ok bool)
	// Sorted promises that the rows of each household are adjacent (the
	// file is sorted by 户编号): the decoder then reads the file once and
	// refuses rows of a household that come back after other households.
	// Without it the decoder reads the file twice, first to find each
	// household's last row.
	Sorted bool
}

// HouseholdDecoder turns the rows of a member-per-row sheet (household
// columns repeated on each member's row, as in the national 47-column
// export) into households with their members, grouped by 户编号 (one registry year
// per household: rows of one 户编号 that give different 年度 disagree).
//
// Grouping non-adjacent rows. By default the decoder reads the sheet
// twice. The first pass notes, for each household, the number of its last
// row (a 64-bit hash of the key and a row number: 12 bytes a household,
// about 1.2 MB for 10^5 households). The second pass decodes rows and
// hands out a household as soon as its last row is read. A sorted file
// thus holds one household in memory at a time; a file whose households
// are interleaved holds those it is in the middle of. DecodeOptions.Sorted
// skips the first pass (and keeps the same 12 bytes for each household
// handed out, to refuse one that comes back).
//
// Households are handed out in the order of their last rows. Each
// household's errors are sorted by row and column.
type HouseholdDecoder struct {
	wb        *Workbook
	opts      DecodeOptions
	codes     *tuopin.CodeSet
	m         *Mapping
	cols      map[string]int // field → column
	codeCache map[[2]string]string
	decCols   [nDec]int      // the column of each of decFields, -1 when unmapped
	dets      []detailCol    // the mapped Detail fields, in column order
	detIdx    map[string]int // Detail field → index in dets
	nHHDets   int            // how many of dets are household fields
	rowHH     []detCell      // the household detail cells of the row being decoded
	hdr       map[int]string // column → header
	last      map[uint64]int32
	rows      Rows
	total     [2]int // households, rows
	dataFrom  int
	pending   map[string]*group
	order     []string         // pending keys by first row
	closed    map[uint64]int32 // households handed out, in Sorted mode
	current   string
	ready     []decoded
	eof       bool
	lastRows  []int // the rows of what Next returned last
}

type decoded struct {
	h    *tuopin.Household
	errs []RowError
	rows []int
}

// NewHouseholdDecoder prepares decoding of one sheet: it recognises the
// header (unless opts.Mapping is given), checks the mapping and, unless
// opts.Sorted, reads the sheet once to group households. The error is a
// tuopin EINVALID error for a mapping that cannot import households
// (see Mapping.Check), or an error wrapping ErrFormat for a damaged file.
func NewHouseholdDecoder(wb *Workbook, opts DecodeOptions) (*HouseholdDecoder, error) {
	d := &HouseholdDecoder{wb: wb, opts: opts, codes: opts.Codes, pending: map[string]*group{}, closed: map[uint64]int32{}, codeCache: map[[2]string]string{}}
	if d.codes == nil {
		d.codes = tuopin.DefaultCodeSet
	}
	if d.opts.Now.IsZero() {
		d.opts.Now = time.Now()
	}
	if opts.Mapping != nil {
		m := *opts.Mapping
		m.Columns = append([]MappedColumn(nil), opts.Mapping.Columns...)
		d.m = &m
	} else {
		m, err := RecognizeHeader(wb, opts.Sheet)
		if err != nil {
			return nil, err
		}
		d.m = m
	}
	if err := d.m.Check(); err != nil {
		return nil, err
	}
	d.cols, d.hdr, d.detIdx = map[string]int{}, map[int]string{}, map[string]int{}
	for i := range d.decCols {
		d.decCols[i] = -1
	}
	for _, c := range d.m.Columns {
		d.hdr[c.Index] = c.Header
		if c.Field != "" {
			d.cols[c.Field] = c.Index
			if i, ok := decIndex[c.Field]; ok {
				d.decCols[i] = c.Index
			}
			if def, ok := detailDefs[c.Field]; ok {
				dc := detailCol{key: c.Field, def: def, col: c.Index, hh: -1,
					member: def.Level == tuopin.LevelMemberField, codeLike: codeLikeDetails[c.Field]}
				if !dc.member {
					dc.hh = d.nHHDets
					d.nHHDets++
				}
				d.detIdx[c.Field] = len(d.dets)
				d.dets = append(d.dets, dc)
			}
		}
	}
	if _, ok := d.cols[FieldYear]; !ok && opts.Year == 0 {
		return nil, tuopin.FieldErr("year", "required", "The file has no 年度 (year) column: choose the registry year to import into.")
	}
	if _, ok := d.cols[FieldAreaCode]; !ok && opts.ResolveArea == nil {
		return nil, tuopin.FieldErr(FieldAreaCode, "mapping_required", "The file names villages but has no 行政区划代码 (area code) column, and no area resolver was given.")
	}
	d.dataFrom = d.m.HeaderRow + d.m.HeaderRows
	if !opts.Sorted {
		if err := d.index(); err != nil {
			return nil, err
		}
	}
	rows, err := wb.Rows(opts.Sheet)
	if err != nil {
		return nil, err
	}
	d.rows = rows
	return d, nil
}

// LastRows returns the row numbers of what Next returned last: the rows of
// the household, one per member in the order of its Members, or the row
// of errors that belong to no household. The slice is valid until the
// next call to Next.
func (d *HouseholdDecoder) LastRows() []int { return d.lastRows }

// Mapping returns the mapping in use.
func (d *HouseholdDecoder) Mapping() *Mapping { return d.m }

// Total returns the number of households and of data rows the first pass
// counted (zeros with DecodeOptions.Sorted), for a progress bar.
func (d *HouseholdDecoder) Total() (households, rows int) { return d.total[0], d.total[1] }

// Close releases the sheet.
func (d *HouseholdDecoder) Close() error {
	if d.rows != nil {
		return d.rows.Close()
	}
	return nil
}

func keyHash(k string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k))
	return h.Sum64()
}

// skipRow reports rows that hold no data: blank rows, the header block,
// and rows of lone "N"/"Y" marks that some systems put under the header
// to flag numeric columns.
func (d *HouseholdDecoder) skipRow(r Row) bool {
	if r.Num < d.dataFrom || r.IsBlank() {
		return true
	}
	for _, c := range r.Cells {
		if t := strings.TrimSpace(c.Text); !c.IsEmpty() && t != "N" && t != "Y" {
			return false
		}
	}
	return true
}

// rowKey is the household key of a row: its 户编号. Rows of one number
// that give different years disagree and are refused (CodeMismatch): a
// file holds one year of a household.
func (d *HouseholdDecoder) rowKey(r Row) string {
	col, ok := d.cols[FieldNumber]
	if !ok {
		return ""
	}
	num, cerr := codeValue(r.Cell(col), "household number", "户编号")
	if cerr != nil {
		return ""
	}
	return num
}

func (d *HouseholdDecoder) index() error {
	rows, err := d.wb.Rows(d.opts.Sheet)
	if err != nil {
		return err
	}
	defer rows.Close()
	d.last = map[uint64]int32{}
	for {
		r, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if d.skipRow(r) {
			continue
		}
		d.total[1]++
		if k := d.rowKey(r); k != "" {
			d.last[keyHash(k)] = int32(r.Num)
		}
	}
	d.total[0] = len(d.last)
	return nil
}

// group collects the rows of one household.
type group struct {
	key    string
	number string
	rows   []*rowRec
	first  int
	// hh holds each household detail as first given (by detailCol.hh);
	// nil until a row gives one.
	hh []hhDetail
}

// decFields are the fields the decoder reads; a rowRec keeps them in
// arrays indexed by position, so that a row costs few allocations.
var decFields = []string{
	FieldNumber, FieldYear, FieldAreaCode, FieldPhone, FieldProvince, FieldCity, FieldCounty, FieldTownship,
	FieldVillage, FieldAreaName, FieldHeadName, FieldSize, FieldIncomePerCapita, FieldAttribute, FieldMainCause,
	FieldStatus, FieldName, FieldIDNumber, FieldBirthDate, FieldSex, FieldRelation, FieldEducation, FieldHealth, FieldSkill,
}

const nDec = 24

var decIndex = func() map[string]int {
	m := make(map[string]int, len(decFields))
	for i, f := range decFields {
		m[f] = i
	}
	return m
}()

// rowRec is one decoded row.
type rowRec struct {
	num    int
	member *tuopin.Member
	texts  [nDec]string // cell text, for error values
	hh     [nDec]string // household values in comparable form
	hhSet  uint32
	failed uint32    // fields already refused
	dets   []detCell // the row's refused detail cells
	errs   []RowError
}

func bit(field string) uint32 {
	i, ok := decIndex[field]
	if !ok {
		return 0
	}
	return 1 << i
}

func (r *rowRec) text(field string) string {
	if i, ok := decIndex[field]; ok {
		return r.texts[i]
	}
	if dc := r.detail(field); dc != nil {
		return dc.text
	}
	return r.member.Details[field] // a member detail read well: its value
}

func (r *rowRec) isFailed(field string) bool {
	if _, ok := decIndex[field]; ok {
		return r.failed&bit(field) != 0
	}
	return r.detail(field) != nil
}

func (r *rowRec) fail(field string) {
	if _, ok := decIndex[field]; ok {
		r.failed |= bit(field)
	} else if r.detail(field) == nil {
		r.dets = append(r.dets, detCell{key: field})
	}
}

// value returns a household value of the row.
func (r *rowRec) value(field string) (string, bool) {
	i := decIndex[field]
	return r.hh[i], r.hhSet&(1<<i) != 0
}

// Next returns the next household with the errors of its rows, or io.EOF.
// A household with errors must not be stored; it is returned so that the
// errors can be shown beside it. h is nil when the errors concern rows
// that belong to no household (no 户编号). Decoding never stops at a bad
// row; a non-nil error other than io.EOF means the file itself could not
// be read on.
func (d *HouseholdDecoder) Next() (*tuopin.Household, []RowError, error) {
	for {
		if len(d.ready) > 0 {
			x := d.ready[0]
			d.ready = d.ready[1:]
			d.lastRows = x.rows
			return x.h, x.errs, nil
		}
		if d.eof {
			return nil, nil, io.EOF
		}
		r, err := d.rows.Next()
		if err == io.EOF {
			d.eof = true
			for _, k := range d.order {
				if g, ok := d.pending[k]; ok {
					d.emit(g)
				}
			}
			d.order = nil
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if d.skipRow(r) {
			continue
		}
		d.rowHH = d.rowHH[:0]
		rec, key, number := d.decodeRow(r)
		if key == "" {
			d.lastRows = append(d.lastRows[:0], rec.num)
			return nil, rec.errs, nil
		}
		if d.opts.Sorted {
			if first, ok := d.closed[keyHash(key)]; ok {
				e := d.rowErr(rec, FieldNumber, CodeNotAdjacent,
					fmt.Sprintf("The rows of household %s are not together: it already appeared from row %d and other households came between; sort the file by 户编号, or import without the “sorted” option.", number, first),
					fmt.Sprintf("户编号 %s 的各行不连续：该户已在第 %d 行出现，中间隔着其他户；请按户编号排序，或不勾选“已排序”后重新导入。", number, first))
				d.lastRows = append(d.lastRows[:0], rec.num)
				return nil, []RowError{e}, nil
			}
			if d.current != "" && d.current != key {
				if g, ok := d.pending[d.current]; ok {
					d.closed[keyHash(d.current)] = int32(g.first)
					d.emit(g)
				}
			}
			d.current = key
		}
		g, ok := d.pending[key]
		if !ok {
			g = &group{key: key, number: number, first: r.Num}
			d.pending[key] = g
			d.order = append(d.order, key)
		}
		g.rows = append(g.rows, rec)
		if len(d.rowHH) > 0 {
			d.mergeHousehold(g, rec)
		}
		if !d.opts.Sorted && d.last[keyHash(key)] == int32(r.Num) {
			d.emit(g)
		}
		if len(d.order) > 64 && len(d.order) > 2*len(d.pending) {
			d.compactOrder()
		}
	}
}

func (d *HouseholdDecoder) compactOrder() {
	out := d.order[:0]
	for _, k := range d.order {
		if _, ok := d.pending[k]; ok {
			out = append(out, k)
		}
	}
	d.order = out
}

func (d *HouseholdDecoder) emit(g *group) {
	delete(d.pending, g.key)
	h, errs := d.build(g)
	rows := make([]int, len(g.rows))
	for i, rec := range g.rows {
		rows[i] = rec.num
	}
	d.ready = append(d.ready, decoded{h, errs, rows})
}

// cellText is what a RowError shows as the value.
func cellText(c Cell) string {
	return strings.TrimSpace(c.Text)
}

func (d *HouseholdDecoder) rowErr(rec *rowRec, field, code, en, zh string) RowError {
	e := RowError{Row: rec.num, Field: field, Code: code, Reason: en, ReasonZH: zh, Value: rec.text(field)}
	if col, ok := d.cols[field]; ok {
		e.Column, e.Header = ColumnLetter(col), d.hdr[col]
	}
	return e
}

func (d *HouseholdDecoder) cellError(rec *rowRec, field string, err error) {
	var ce *cellError
	if !errors.As(err, &ce) {
		ce = &cellError{code: tuopin.EINVALID, en: err.Error(), zh: err.Error()}
	}
	rec.errs = append(rec.errs, d.rowErr(rec, field, ce.code, ce.en, ce.zh))
	rec.fail(field)
}

// decodeRow reads the mapped cells of one row.
func (d *HouseholdDecoder) decodeRow(r Row) (rec *rowRec, key, number string) {
	rec = &rowRec{num: r.Num, member: &tuopin.Member{}}
	for i, col := range d.decCols {
		if col >= 0 {
			if c := r.Cell(col); !c.IsEmpty() {
				rec.texts[i] = cellText(c)
			}
		}
	}
	get := func(field string) (Cell, bool) {
		col, ok := d.cols[field]
		if !ok {
			return Cell{}, false
		}
		c := r.Cell(col)
		return c, !c.IsEmpty()
	}
	setHH := func(field, norm string, _ any) {
		i := decIndex[field]
		rec.hh[i] = norm
		rec.hhSet |= 1 << i
	}

	// The key: 户编号 (and 年度).
	if c, ok := get(FieldNumber); ok {
		n, cerr := codeValue(c, "household number", "户编号")
		if cerr != nil {
			d.cellError(rec, FieldNumber, cerr)
		} else {
			number = n
		}
	}
	// A cell of nothing but an apostrophe or spaces is no number either.
	if number == "" && !rec.isFailed(FieldNumber) {
		rec.errs = append(rec.errs, d.rowErr(rec, FieldNumber, CodeRequired,
			"The row has data but no 户编号 (household number), so it belongs to no household.",
			"该行有数据但户编号为空，无法归户。"))
	}
	year := d.opts.Year
	if c, ok := get(FieldYear); ok {
		y, err := ParseInt(c)
		if err != nil || y < 1900 || y > 3000 {
			d.cellError(rec, FieldYear, cellErr(CodeInvalidNumber, "%q is not a year.", "“%s”不是年度。", cellText(c)))
		} else {
			year = y
		}
	}
	if rec.text(FieldYear) != "" && !rec.isFailed(FieldYear) {
		setHH(FieldYear, strconv.Itoa(year), year)
	}
	if number == "" {
		for i := range rec.errs {
			rec.errs[i].Household = number
		}
		return rec, "", number
	}
	key = number

	// Household fields.
	for _, field := range []string{FieldAreaCode, FieldPhone} {
		if c, ok := get(field); ok {
			what, whatZH := "area code", "行政区划代码"
			if field == FieldPhone {
				what, whatZH = "phone number", "联系电话"
			}
			v, cerr := codeValue(c, what, whatZH)
			if cerr != nil {
				d.cellError(rec, field, cerr)
			} else {
				setHH(field, v, v)
			}
		}
	}
	for _, field := range []string{FieldProvince, FieldCity, FieldCounty, FieldTownship, FieldVillage, FieldAreaName} {
		if c, ok := get(field); ok {
			v := CleanText(c.Text)
			setHH(field, v, v)
		}
	}
	if c, ok := get(FieldHeadName); ok {
		v := CleanText(c.Text)
		setHH(FieldHeadName, v, v)
	}
	if c, ok := get(FieldSize); ok {
		if n, err := ParseInt(c); err != nil {
			d.cellError(rec, FieldSize, err)
		} else {
			setHH(FieldSize, strconv.Itoa(n), n)
		}
	}
	if c, ok := get(FieldIncomePerCapita); ok {
		if m, err := ParseAmount(c); err != nil {
			d.cellError(rec, FieldIncomePerCapita, err)
		} else {
			setHH(FieldIncomePerCapita, m.Yuan(), m)
		}
	}
	for _, field := range []string{FieldAttribute, FieldMainCause, FieldStatus} {
		if c, ok := get(field); ok {
			code, err := d.resolve(fieldByKey[field].CodeKind, c.Text)
			if err != nil {
				d.cellError(rec, field, err)
			} else {
				setHH(field, code, code)
			}
		}
	}

	// Member fields.
	m := rec.member
	if c, ok := get(FieldName); ok {
		m.Name = CleanText(c.Text)
	}
	if c, ok := get(FieldIDNumber); ok {
		if id, err := ParseIDCell(c); err != nil {
			d.cellError(rec, FieldIDNumber, err)
		} else {
			m.IDNumber = id
		}
	}
	if c, ok := get(FieldBirthDate); ok {
		if t, err := ParseDate(c, d.wb.Date1904()); err != nil {
			d.cellError(rec, FieldBirthDate, err)
		} else {
			m.BirthDate = t
		}
	}
	for _, field := range []string{FieldSex, FieldRelation, FieldEducation, FieldHealth, FieldSkill} {
		c, ok := get(field)
		if !ok {
			continue
		}
		code, err := d.resolve(fieldByKey[field].CodeKind, c.Text)
		if err != nil {
			d.cellError(rec, field, err)
			continue
		}
		switch field {
		case FieldSex:
			m.Sex = code
		case FieldRelation:
			m.Relation = code
		case FieldEducation:
			m.Education = code
		case FieldHealth:
			m.Health = code
		case FieldSkill:
			m.Skill = code
		}
	}
	if len(d.dets) > 0 {
		d.decodeDetails(r, rec)
	}
	for i := range rec.errs {
		rec.errs[i].Household = number
	}
	return rec, key, number
}

// resolve is ResolveCode with a cache of the texts already resolved.
func (d *HouseholdDecoder) resolve(kind, text string) (string, error) {
	k := [2]string{kind, text}
	if code, ok := d.codeCache[k]; ok {
		return code, nil
	}
	code, err := ResolveCode(d.codes, kind, text)
	if err == nil {
		if len(d.codeCache) >= 4096 {
			clear(d.codeCache)
		}
		d.codeCache[k] = code
	}
	return code, err
}

// build makes the household of a group and validates it.
func (d *HouseholdDecoder) build(g *group) (*tuopin.Household, []RowError) {
	h := &tuopin.Household{Number: g.number}
	var errs []RowError
	first := g.rows[0]
	// Household fields come from the first row that has them; a later row
	// that says otherwise is refused.
	var from [nDec]*rowRec
	for _, rec := range g.rows {
		errs = append(errs, rec.errs...)
		for i := 0; i < nDec; i++ {
			if rec.hhSet&(1<<i) == 0 {
				continue
			}
			src := from[i]
			if src == nil {
				from[i] = rec
				continue
			}
			if src.hh[i] != rec.hh[i] {
				field := decFields[i]
				fd := fieldByKey[field]
				e := d.rowErr(rec, field, CodeMismatch,
					fmt.Sprintf("%s (%s) is %q here but %q on row %d of the same household; the household's rows must agree.", fd.Label, fd.LabelEn, rec.texts[i], src.texts[i], src.num),
					fmt.Sprintf("本行的%s为“%s”，与同户第 %d 行的“%s”不一致；同一户各行的户信息应相同。", fd.Label, rec.texts[i], src.num, src.texts[i]))
				e.Household = g.number
				errs = append(errs, e)
				rec.failed |= 1 << i
			}
		}
	}
	val := func(field string) (string, *rowRec) {
		i := decIndex[field]
		if src := from[i]; src != nil {
			return src.hh[i], src
		}
		return "", nil
	}
	h.Year = d.opts.Year
	if v, src := val(FieldYear); src != nil {
		h.Year, _ = strconv.Atoi(v)
	}
	h.AreaCode, _ = val(FieldAreaCode)
	h.Phone, _ = val(FieldPhone)
	h.Attribute, _ = val(FieldAttribute)
	h.MainCause, _ = val(FieldMainCause)
	h.Status, _ = val(FieldStatus)
	if v, src := val(FieldIncomePerCapita); src != nil {
		h.IncomePerCapita, _ = tuopin.ParseYuan(v)
	}
	h.Details = g.details(d)
	errs = append(errs, d.checkTransferSum(g, h.Details)...)
	if h.AreaCode == "" && d.opts.ResolveArea != nil {
		str := func(f string) string { v, _ := val(f); return v }
		names := AreaNames{str(FieldProvince), str(FieldCity), str(FieldCounty), str(FieldTownship), str(FieldVillage), str(FieldAreaName)}
		if names != (AreaNames{}) {
			code, ok := d.opts.ResolveArea(names)
			if ok {
				h.AreaCode = code
			} else {
				field := FieldVillage
				if _, ok := d.cols[field]; !ok {
					field = FieldAreaName
				}
				_, src := val(field)
				if src == nil {
					src = first
				}
				shown := strings.TrimSpace(strings.Join([]string{names.Province, names.City, names.County, names.Township, names.Village, names.Full}, " "))
				e := d.rowErr(src, field, CodeUnknownArea,
					fmt.Sprintf("No village named %q was found in your area.", shown),
					fmt.Sprintf("在您的管辖范围内找不到村“%s”。", shown))
				e.Household = g.number
				errs = append(errs, e)
				first.fail(FieldAreaCode)
			}
		}
	}
	for _, rec := range g.rows {
		h.Members = append(h.Members, rec.member)
	}
	// What the file says about the household beside its members.
	if v, src := val(FieldSize); src != nil && v != strconv.Itoa(len(g.rows)) {
		e := d.rowErr(src, FieldSize, CodeSizeMismatch,
			fmt.Sprintf("家庭人口数 (household size) is %s but the file has %d member rows for household %s.", v, len(g.rows), g.number),
			fmt.Sprintf("家庭人口数为 %s，但文件中户编号 %s 只有 %d 行成员。", v, g.number, len(g.rows)))
		e.Household = g.number
		errs = append(errs, e)
	}
	h.Normalize(d.opts.Now)
	if v, src := val(FieldHeadName); v != "" && h.Head() != nil && v != h.Head().Name {
		e := d.rowErr(src, FieldHeadName, CodeMismatch,
			fmt.Sprintf("户主姓名 (head's name) is %q but the member whose relation is 户主 is %q.", v, h.Head().Name),
			fmt.Sprintf("户主姓名为“%s”，但与户主关系为“户主”的成员是“%s”。", v, h.Head().Name))
		e.Household = g.number
		errs = append(errs, e)
	}
	if err := h.Validate(d.codes, d.opts.Now); err != nil {
		errs = append(errs, d.validationErrors(g, h, err, func(field string) (*rowRec, string) {
			if i, ok := decIndex[field]; ok {
				return from[i], ""
			}
			return d.detailSource(g, field)
		})...)
	}
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Row != errs[j].Row {
			return errs[i].Row < errs[j].Row
		}
		return columnIndex(errs[i].Column) < columnIndex(errs[j].Column)
	})
	return h, errs
}

var memberKey = regexp.MustCompile(`^members\[(\d+)\]\.(.+)$`)

// validationErrors places the field errors of tuopin's validation on the
// rows and columns they come from, leaving out fields already refused
// while reading the cells. A household field's error goes on the row its
// value was taken from (source, which also gives a household detail's cell
// text), details ("details.x", "members[i].details.x") on the column of
// field x.
func (d *HouseholdDecoder) validationErrors(g *group, h *tuopin.Household, err error, source func(field string) (*rowRec, string)) []RowError {
	fields := tuopin.ErrorFields(err)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []RowError
	for _, k := range keys {
		fe := fields[k]
		rec, field, text := g.rows[0], k, ""
		if sm := memberKey.FindStringSubmatch(k); sm != nil {
			i, _ := strconv.Atoi(sm[1])
			if i < len(g.rows) {
				rec = g.rows[i]
			}
			field = strings.TrimPrefix(sm[2], "details.")
		} else if k == "members" {
			field = FieldRelation
		} else {
			field = strings.TrimPrefix(k, "details.")
			if src, t := source(field); src != nil {
				rec, text = src, t
			}
		}
		if rec.isFailed(field) {
			continue
		}
		col := field
		if _, ok := d.cols[col]; !ok && field == FieldAreaCode {
			if _, ok := d.cols[FieldVillage]; ok {
				col = FieldVillage
			}
		}
		if text == "" {
			text = rec.text(col)
		}
		e := d.rowErr(rec, col, fe.Code, fe.Message, zhReason(fe.Code, field, text, fe.Message, h))
		e.Field, e.Value = field, text
		e.Household = g.number
		out = append(out, e)
	}
	return out
}

// zhReason gives the Chinese reason for a validation code of the root
// package.
func zhReason(code, field, value, en string, h *tuopin.Household) string {
	label := field
	if f, ok := fieldByKey[field]; ok {
		label = f.Label
	}
	switch code {
	case "required":
		return label + "为必填项。"
	case "invalid_format":
		return "户编号只能由数字、字母和“-”组成，最长 32 位。"
	case "invalid_code":
		return "行政区划代码应为村的 12 位统计用区划代码。"
	case "not_village":
		return "户必须登记在村（12 位代码），而不是 " + value + "。"
	case "invalid_choice":
		return fmt.Sprintf("“%s”不是 %d 年有效的%s。", value, h.Year, label)
	case "invalid_year":
		return "年度应在 2013 年到明年之间。"
	case "negative":
		return "人均纯收入不能为负数。"
	case "too_large":
		return "人均纯收入大得不合常理。"
	case "invalid_phone":
		return "联系电话只能包含数字和“-”。"
	case "second_head":
		return "一户只能有一个户主。"
	case "duplicate":
		return "同一户内身份证号重复。"
	case "no_head":
		return "该户没有户主（与户主关系 = 户主）。"
	case "too_many":
		return "一户最多 30 人。"
	case "too_long":
		return "姓名最长 50 个字。"
	case "id_length":
		if len(value) == 15 {
			return "这是 15 位的一代身份证号，请填写 18 位号码。"
		}
		return fmt.Sprintf("身份证号应为 18 位，现为 %d 位。", len([]rune(CodeText(value))))
	case "id_format":
		return "身份证号应为 17 位数字加一位数字或 X。"
	case "id_area":
		return "身份证号开头的地区码无效。"
	case "id_birthdate":
		return "身份证号中的出生日期不存在或晚于今天。"
	case "id_checksum":
		if i := strings.LastIndex(en, "should be "); i >= 0 {
			return "身份证号校验位不对：最后一位应为 " + strings.TrimSuffix(en[i+len("should be "):], ".") + "。"
		}
		return "身份证号校验位不对。"
	case "id_mismatch":
		if field == FieldSex {
			return "性别与身份证号（第 17 位）不符。"
		}
		return "出生日期与身份证号不符。"
	case "exceeds_total":
		if def, ok := detailDefs[field]; ok {
			if whole, ok := detailDefs[def.Of]; ok {
				return fmt.Sprintf("%s（%s）超过了%s（%s）。", def.Label, h.Details[field], whole.Label, h.Details[def.Of])
			}
		}
	case "exclusive":
		return "文化程度与在校生状况不能同时填写：在校生只填在校生状况。"
	case "invalid_value":
		return fmt.Sprintf("“%s”不是有效的%s。", value, label)
	}
	return en
}
