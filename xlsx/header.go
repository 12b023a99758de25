package xlsx

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/tuopin/tuopin"
)

// HeaderScanRows is how many rows from the top are searched for the
// header block.
const HeaderScanRows = 30

// HeaderMaxRows is the most rows a header block may have.
const HeaderMaxRows = 4

// Column statuses in a Mapping.
const (
	StatusStored    = "stored"     // mapped to a field the registry keeps
	StatusNotStored = "not_stored" // a recognised field the registry does not keep (yet)
	StatusUnmapped  = "unmapped"   // not recognised, or set aside by the user
)

// Mapping says which field each column holds. The decoder recognises it
// from the header block; the app shows it for the user to confirm or
// change, stores it as JSON per source (keyed by Fingerprint) and passes
// it back in DecodeOptions.Mapping.
type Mapping struct {
	// HeaderRow is the first row of the header block (1-based) and
	// HeaderRows the number of its rows: data starts after it.
	HeaderRow  int `json:"header_row"`
	HeaderRows int `json:"header_rows"`
	// Fingerprint identifies the layout of the source: a hash of the
	// normalised header texts, equal for every file of the same template.
	Fingerprint string         `json:"fingerprint"`
	Columns     []MappedColumn `json:"columns"`
}

// MappedColumn is one column of a Mapping.
type MappedColumn struct {
	Index  int    `json:"index"`  // 0-based
	Letter string `json:"letter"` // "A", "AB"
	// Header is the column's header path, merged parents first, joined
	// with " / " ("家庭年收入情况(元) / 其中 / 务工收入").
	Header string `json:"header"`
	Field  string `json:"field,omitempty"` // a KnownFields key, "" for none
	Status string `json:"status"`
	// Marked is set when the header carried a "*" required marker.
	Marked bool `json:"marked,omitempty"`
}

// FieldColumn returns the column mapped to a field, or -1.
func (m *Mapping) FieldColumn(field string) int {
	for _, c := range m.Columns {
		if c.Field == field {
			return c.Index
		}
	}
	return -1
}

func (m *Mapping) byStatus(status string) []MappedColumn {
	var out []MappedColumn
	for _, c := range m.Columns {
		if c.Status == status {
			out = append(out, c)
		}
	}
	return out
}

// Stored lists the columns mapped to fields the registry keeps.
func (m *Mapping) Stored() []MappedColumn { return m.byStatus(StatusStored) }

// NotStored lists the columns recognised as fields the registry does not
// keep: the import reads them but they are not saved.
func (m *Mapping) NotStored() []MappedColumn { return m.byStatus(StatusNotStored) }

// Unmapped lists the columns no field was found for.
func (m *Mapping) Unmapped() []MappedColumn { return m.byStatus(StatusUnmapped) }

// Check verifies a mapping, typically after the user changed it: every
// field key known, no field mapped twice, and the fields a household
// import needs all present (户编号, 姓名, 证件号码, 与户主关系, 贫困户属性,
// 主要致贫原因, 脱贫状态, and the village: its code, or its name for an
// area resolver). It also brings each column's Status up to date. The
// error is a tuopin EINVALID error whose Fields are keyed by field key
// (or "columns[i]" for an unknown key), with codes mapping_unknown_field,
// mapping_duplicate and mapping_required.
func (m *Mapping) Check() error {
	var f tuopin.Fields
	seen := map[string]MappedColumn{}
	if m.HeaderRow < 1 || m.HeaderRows < 1 {
		f.Add("header_row", "mapping_header", "The header block must start at row 1 or below and have at least one row.")
	}
	for i := range m.Columns {
		c := &m.Columns[i]
		c.Letter = ColumnLetter(c.Index)
		if c.Field == "" {
			c.Status = StatusUnmapped
			continue
		}
		fd, ok := fieldByKey[c.Field]
		if !ok {
			f.Add(fmt.Sprintf("columns[%d]", i), "mapping_unknown_field", "Column %s is mapped to %q, which is not a known field.", c.Letter, c.Field)
			continue
		}
		c.Status = StatusNotStored
		if fd.Stored {
			c.Status = StatusStored
		}
		if prev, dup := seen[c.Field]; dup {
			f.Add(c.Field, "mapping_duplicate", "Columns %s and %s are both mapped to %s (%s); map only one of them.", prev.Letter, c.Letter, fd.Label, fd.LabelEn)
			continue
		}
		seen[c.Field] = *c
	}
	for _, fd := range KnownFields {
		if !fd.Required {
			continue
		}
		if _, ok := seen[fd.Key]; ok {
			continue
		}
		if fd.Key == FieldAreaCode {
			if _, ok := seen[FieldVillage]; ok {
				continue
			}
			if _, ok := seen[FieldAreaName]; ok {
				continue
			}
			f.Add(fd.Key, "mapping_required", "No column holds the village: map a column to %s (area code) or to 村 (village name).", fd.Label)
			continue
		}
		f.Add(fd.Key, "mapping_required", "No column is mapped to %s (%s), which a household import needs.", fd.Label, fd.LabelEn)
	}
	return f.Err()
}

// Fingerprint hashes normalised header texts into a short key that is
// the same for every file of one template, whatever its data.
func Fingerprint(headers []string) string {
	h := sha256.New()
	for _, s := range headers {
		h.Write([]byte(NormalizeHeader(s)))
		h.Write([]byte{0x1f})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// RecognizeHeader reads the top of sheet i and recognises its header
// block and columns.
func RecognizeHeader(wb *Workbook, sheet int) (*Mapping, error) {
	merges, err := wb.Merges(sheet)
	if err != nil {
		return nil, err
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var top []Row
	for {
		r, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if r.Num > HeaderScanRows {
			break
		}
		top = append(top, Row{Num: r.Num, Cells: append([]Cell(nil), r.Cells...)})
	}
	return DetectHeader(top, merges)
}

// DetectHeader finds the header block among the top rows of a sheet and
// maps its columns. rows are the first rows (HeaderScanRows at most) and
// merges the sheet's merged ranges (nil for CSV).
//
// The anchor is the row naming the most known fields; the block grows up
// over merged parent headers and down over rows that merged cells of the
// block reach into (or, without merges, rows of sub-headers under blank
// cells). Title rows above it, a single text across the sheet such as
// "孝南区户情档案（一户一档）", are left out. Each column's path is built
// top-down through the merged ranges, and matched leaf first.
func DetectHeader(rows []Row, merges []Merge) (*Mapping, error) {
	// The text grid of the top rows, 0-based.
	nrows := 0
	for _, r := range rows {
		if r.Num > nrows && r.Num <= HeaderScanRows {
			nrows = r.Num
		}
	}
	grid := make([][]string, nrows)
	width := 0
	for _, r := range rows {
		if r.Num < 1 || r.Num > nrows {
			continue
		}
		line := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			line[i] = CleanText(c.Text)
		}
		grid[r.Num-1] = line
	}
	text := func(r, c int) string {
		if r < 0 || r >= len(grid) || c < 0 || c >= len(grid[r]) {
			return ""
		}
		return grid[r][c]
	}
	// anchorOf maps a covered cell to its merge's top-left cell.
	type rc struct{ r, c int }
	anchorOf := map[rc]rc{}
	mergeAt := map[rc]Merge{}
	for _, m := range merges {
		if m.FirstRow >= nrows || m.LastRow-m.FirstRow > 100 || m.LastCol-m.FirstCol > 1000 {
			continue
		}
		if len(anchorOf) > 100_000 {
			break // a damaged or hostile file; the header is near the top
		}
		mergeAt[rc{m.FirstRow, m.FirstCol}] = m
		for r := m.FirstRow; r <= m.LastRow && r < nrows; r++ {
			for c := m.FirstCol; c <= m.LastCol; c++ {
				anchorOf[rc{r, c}] = rc{m.FirstRow, m.FirstCol}
			}
		}
	}
	nonEmpty := func(r int) int {
		n := 0
		for c := range grid[r] {
			if grid[r][c] != "" {
				n++
			}
		}
		return n
	}
	matches := func(r int) int {
		n := 0
		for _, t := range grid[r] {
			if _, ok := MatchHeader(t); ok {
				n++
			}
		}
		return n
	}

	// The anchor: the row naming the most fields.
	anchor, best := -1, 0
	for r := range grid {
		if n := matches(r); n > best {
			anchor, best = r, n
		}
	}
	if anchor < 0 {
		// No known field: take the first row of several cells, so that
		// the user can map the columns by hand.
		for r := range grid {
			if nonEmpty(r) >= 2 {
				anchor = r
				break
			}
		}
	}
	if anchor < 0 {
		return nil, tuopin.Errorf(tuopin.EINVALID, "No header row found in the first %d rows: no row has two or more headers.", HeaderScanRows)
	}
	isTitle := func(r int) bool { return nonEmpty(r) == 1 }

	// Grow up over parent rows whose merged cells cover the anchor row.
	top := anchor
	for top > 0 && !isTitle(top-1) && nonEmpty(top-1) > 0 {
		parent := false
		for c := range grid[top-1] {
			if m, ok := mergeAt[rc{top - 1, c}]; ok && (m.LastRow >= top || m.LastCol > m.FirstCol) {
				parent = true
			}
		}
		if !parent {
			break
		}
		top--
	}
	// Grow down while merged cells of the block reach into the next row,
	// or (without merges) the next row holds sub-headers under blanks.
	bottom := anchor
	for bottom+1 < nrows {
		next := bottom + 1
		into := false
		if next-top >= HeaderMaxRows {
			break
		}
		for k, a := range anchorOf {
			if k.r == next && a.r <= bottom && a.r >= top && text(a.r, a.c) != "" {
				into = true
				break
			}
		}
		if !into && len(merges) == 0 && matches(next) > 0 && nonEmpty(next) > 0 {
			into = true
			for c, t := range grid[next] {
				if t != "" && text(bottom, c) != "" && !(c+1 < len(grid[bottom]) && text(bottom, c+1) == "") {
					into = false
				}
			}
		}
		if !into {
			break
		}
		bottom = next
	}

	for r := top; r <= bottom; r++ {
		width = max(width, len(grid[r]))
	}
	for k := range anchorOf {
		if k.r >= top && k.r <= bottom {
			width = max(width, k.c+1)
		}
	}
	m := &Mapping{HeaderRow: top + 1, HeaderRows: bottom - top + 1}
	var headers []string
	for c := 0; c < width; c++ {
		var path []string
		marked := false
		for r := top; r <= bottom; r++ {
			t := text(r, c)
			if a, ok := anchorOf[rc{r, c}]; ok && t == "" {
				t = text(a.r, a.c)
			} else if t == "" && len(merges) == 0 && r < bottom && c > 0 {
				// Without merge information a parent header is written
				// once, over the first of its columns.
				t = fillLeft(grid, r, c, bottom)
			}
			if t == "" {
				continue
			}
			if strings.ContainsAny(t, "*＊") {
				marked = true
			}
			if len(path) == 0 || path[len(path)-1] != t {
				path = append(path, t)
			}
		}
		header := strings.Join(path, " / ")
		headers = append(headers, header)
		if header == "" {
			continue
		}
		col := MappedColumn{Index: c, Letter: ColumnLetter(c), Header: header, Status: StatusUnmapped, Marked: marked}
		if f, ok := matchPath(path); ok {
			col.Field = f.Key
		}
		m.Columns = append(m.Columns, col)
	}
	m.Fingerprint = Fingerprint(headers)

	// A field found twice keeps its first column.
	seen := map[string]bool{}
	for i := range m.Columns {
		c := &m.Columns[i]
		if c.Field == "" {
			continue
		}
		if seen[c.Field] {
			c.Field = ""
			continue
		}
		seen[c.Field] = true
		c.Status = StatusNotStored
		if fieldByKey[c.Field].Stored {
			c.Status = StatusStored
		}
	}
	return m, nil
}

// fillLeft returns the text of a parent header cell to the left of (r, c)
// when (r, c) is blank, the column has a header below it, and the cells
// between belong to the same parent.
func fillLeft(grid [][]string, r, c, bottom int) string {
	below := func(c int) bool {
		for k := r + 1; k <= bottom; k++ {
			if c < len(grid[k]) && grid[k][c] != "" {
				return true
			}
		}
		return false
	}
	if !below(c) {
		return ""
	}
	for k := c - 1; k >= 0; k-- {
		if !below(k) {
			return ""
		}
		if k < len(grid[r]) && grid[r][k] != "" {
			return grid[r][k]
		}
	}
	return ""
}

// matchPath matches a header path leaf first, then the whole path run
// together, then a single-element path's parent.
func matchPath(path []string) (Field, bool) {
	if len(path) == 0 {
		return Field{}, false
	}
	if f, ok := MatchHeader(path[len(path)-1]); ok {
		return f, true
	}
	if len(path) > 1 {
		if f, ok := MatchHeader(strings.Join(path, "")); ok {
			return f, true
		}
	}
	return Field{}, false
}
