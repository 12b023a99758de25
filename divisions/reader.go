// Package divisions reads the statistical division codes (统计用区划代码)
// published by the National Bureau of Statistics (NBS) and loads them as
// areas.
//
// The input is the five CSV files of the 2023 edition as prepared in
// /work/shared/data/admin_divisions_2023 (see data/README.md for the source):
// one file per level, each with a header row naming its columns:
//
//	provinces.csv   province_code,code12,name
//	cities.csv      city_code,code12,name,province_code
//	counties.csv    county_code,code12,name,city_code,province_code
//	townships.csv   township_code,code12,name,county_code,city_code,province_code
//	villages.csv    village_code,name,township_code,county_code,city_code,province_code
//
// A Reader detects the level from the header and gzip compression from the
// first two bytes, so "villages.csv.gz" and "villages.csv" read alike. Every
// row becomes a *tuopin.Area with its 12-digit code, name, level and the
// 12-digit code of its parent, after checking that each code has the length
// of its level and starts with its parent's code.
//
// Two quirks of the edition are handled, each by skipping a row whose
// 12-digit code equals its parent's and recording a Warning:
//
//   - Leaf cities (东莞 441900, 中山 442000, 儋州 460400) are repeated as a
//     county whose padded code is the city's own. The county row is skipped;
//     the city stays, and the city's townships hang off it directly.
//   - 金门县 350527 has a synthetic township 350527000 and village
//     350527000000, both named 金门县, whose padded codes are the county's.
//     Both are skipped.
//
// Import streams a file into an AreaService in batches. Seed and LoadSeed
// give the small embedded subset (five counties) that the demo and the tests
// use, so that the binary needs no data files at run time.
package divisions

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tuopin/tuopin"
)

// Kind is the kind of a division file, which is also the level of its rows.
type Kind int

// The five kinds of division file, in the order they must be loaded.
const (
	KindProvinces Kind = Kind(tuopin.LevelProvince)
	KindCities    Kind = Kind(tuopin.LevelCity)
	KindCounties  Kind = Kind(tuopin.LevelCounty)
	KindTownships Kind = Kind(tuopin.LevelTownship)
	KindVillages  Kind = Kind(tuopin.LevelVillage)
)

// Kinds lists the kinds in load order: parents before children.
var Kinds = []Kind{KindProvinces, KindCities, KindCounties, KindTownships, KindVillages}

var kindNames = [...]string{"", "provinces", "cities", "counties", "townships", "villages"}

// String returns the kind's file name stem ("villages").
func (k Kind) String() string {
	if k < KindProvinces || k > KindVillages {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// Level returns the level of the kind's rows.
func (k Kind) Level() tuopin.Level { return tuopin.Level(k) }

// codeColumns names the code column of each level, from the province down.
var codeColumns = [...]string{"", "province_code", "city_code", "county_code", "township_code", "village_code"}

// Columns returns the header of a file of kind k, as the NBS files have it.
func (k Kind) Columns() []string {
	if k < KindProvinces || k > KindVillages {
		return nil
	}
	cols := []string{codeColumns[k]}
	if k != KindVillages {
		cols = append(cols, "code12")
	}
	cols = append(cols, "name")
	for l := k - 1; l >= KindProvinces; l-- {
		cols = append(cols, codeColumns[l])
	}
	return cols
}

// ParseError reports a malformed row or header. It unwraps to an EINVALID
// *tuopin.Error carrying the same message, so that callers that show only
// application errors show it too.
type ParseError struct {
	Line   int    // 1-based line of the file (the header is line 1)
	Column int    // 1-based column (field) number; 0 when the whole row is at fault
	Field  string // the column's header name, when Column > 0
	Msg    string
}

// Error returns "line 12, column 1 (village_code): ...".
func (e *ParseError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("line %d, column %d (%s): %s", e.Line, e.Column, e.Field, e.Msg)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
}

// Unwrap returns the error as an EINVALID application error.
func (e *ParseError) Unwrap() error {
	return &tuopin.Error{Code: tuopin.EINVALID, Message: e.Error()}
}

// Warning is a row that was read without error but skipped.
type Warning struct {
	Line   int
	Code   string // the 12-digit code of the skipped row
	Name   string
	Reason string
}

// String returns "line 15129: skipped 350527000000 金门县: ...".
func (w Warning) String() string {
	return fmt.Sprintf("line %d: skipped %s %s: %s", w.Line, w.Code, w.Name, w.Reason)
}

// MaxWarnings bounds how many warnings a Reader keeps; Skipped counts all.
const MaxWarnings = 100

// Reader reads areas from one division file. It holds one row at a time, so
// memory does not grow with the file.
type Reader struct {
	kind    Kind
	counter countingReader
	buf     *bufio.Reader // over counter
	csv     *csv.Reader
	names   []string // kind.Columns()
	cols    []int    // index in the record of each of names
	nfields int
	line    int // line of the last record read

	rows     int64
	skipped  int
	warnings []Warning

	// lastPrefix and lastParent cache the padded parent code: rows come
	// grouped by parent, so most rows reuse it without allocating.
	lastPrefix, lastParent string
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewReader returns a Reader for a division file, plain or gzip-compressed.
// It reads the header row to learn the kind of file, and returns a
// *ParseError when the header is not one of the five NBS headers.
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{}
	rd.counter.r = r
	rd.buf = bufio.NewReaderSize(&rd.counter, 64<<10)
	var src io.Reader = rd.buf
	if magic, err := rd.buf.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(rd.buf)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		src = zr
	}
	rd.csv = csv.NewReader(src)
	rd.csv.ReuseRecord = true
	rd.csv.FieldsPerRecord = -1 // checked here, to report it our way

	header, err := rd.csv.Read()
	if err == io.EOF {
		return nil, &ParseError{Line: 1, Msg: "empty file: no header row"}
	} else if err != nil {
		return nil, rd.csvError(err)
	}
	rd.line = 1
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\uFEFF")
	if err := rd.readHeader(header); err != nil {
		return nil, err
	}
	return rd, nil
}

// readHeader detects the kind from the most specific code column present
// and maps each expected column to its position; extra columns are ignored.
func (rd *Reader) readHeader(header []string) error {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		pos[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for k := KindVillages; k >= KindProvinces; k-- {
		if _, ok := pos[codeColumns[k]]; ok {
			rd.kind = k
			break
		}
	}
	if rd.kind == 0 {
		return &ParseError{Line: 1, Msg: fmt.Sprintf("unrecognised header %q: want the columns of an NBS division file, such as %s", strings.Join(header, ","), strings.Join(KindTownships.Columns(), ","))}
	}
	rd.names = rd.kind.Columns()
	for _, c := range rd.names {
		i, ok := pos[c]
		if !ok {
			return &ParseError{Line: 1, Msg: fmt.Sprintf("header of a %s file lacks column %q (want %s)", rd.kind, c, strings.Join(rd.kind.Columns(), ","))}
		}
		rd.cols = append(rd.cols, i)
	}
	rd.nfields = len(header)
	return nil
}

// Kind returns the kind of file, detected from its header.
func (rd *Reader) Kind() Kind { return rd.kind }

// Line returns the line of the last row read (1 after NewReader).
func (rd *Reader) Line() int { return rd.line }

// Rows returns how many data rows have been read, skipped ones included.
func (rd *Reader) Rows() int64 { return rd.rows }

// BytesRead returns how many bytes of the underlying input (compressed, for
// a gzip file) have been consumed, for progress estimates. Bytes read ahead
// into the Reader's buffer do not count.
func (rd *Reader) BytesRead() int64 { return rd.counter.n - int64(rd.buf.Buffered()) }

// Skipped returns how many rows were skipped with a warning.
func (rd *Reader) Skipped() int { return rd.skipped }

// Warnings returns the first MaxWarnings warnings.
func (rd *Reader) Warnings() []Warning { return rd.warnings }

func (rd *Reader) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Msg: fmt.Sprintf("malformed CSV at byte %d of the line: %v", pe.Column, pe.Err)}
	}
	return err
}

// Read returns the next area, skipping (and counting) quirk rows. It
// returns io.EOF after the last row, and a *ParseError for a malformed row.
func (rd *Reader) Read() (*tuopin.Area, error) {
	for {
		rec, err := rd.csv.Read()
		if err == io.EOF {
			return nil, io.EOF
		} else if err != nil {
			return nil, rd.csvError(err)
		}
		rd.line, _ = rd.csv.FieldPos(0)
		rd.rows++
		if len(rec) != rd.nfields {
			return nil, &ParseError{Line: rd.line, Msg: fmt.Sprintf("row has %d fields, want %d like the header", len(rec), rd.nfields)}
		}
		a, skip, err := rd.parse(rec)
		if err != nil {
			return nil, err
		}
		if skip != "" {
			rd.skipped++
			if len(rd.warnings) < MaxWarnings {
				rd.warnings = append(rd.warnings, Warning{Line: rd.line, Code: a.Code, Name: a.Name, Reason: skip})
			}
			continue
		}
		return a, nil
	}
}

// parse checks one record. It returns the area, or a reason to skip it.
func (rd *Reader) parse(rec []string) (a *tuopin.Area, skip string, err error) {
	k, cols := rd.kind, rd.names
	field := func(i int) string { return strings.TrimSpace(rec[rd.cols[i]]) }
	fail := func(i int, format string, args ...any) error {
		return &ParseError{Line: rd.line, Column: rd.cols[i] + 1, Field: cols[i], Msg: fmt.Sprintf(format, args...)}
	}

	// Column 0 is the row's own code; the parent codes follow the name,
	// from the nearest up. Check each one's length and that each starts
	// with the next one up.
	code := field(0)
	if err := checkCode(code, k.Level()); err != "" {
		return nil, "", fail(0, "%s", err)
	}
	nameIdx := 1
	if k != KindVillages {
		nameIdx = 2
	}
	child, childIdx := code, 0
	for i, l := nameIdx+1, k.Level()-1; l >= tuopin.LevelProvince; i, l = i+1, l-1 {
		p := field(i)
		if err := checkCode(p, l); err != "" {
			return nil, "", fail(i, "%s", err)
		}
		if !strings.HasPrefix(child, p) {
			return nil, "", fail(childIdx, "code %s does not start with %s %s", child, cols[i], p)
		}
		child, childIdx = p, i
	}

	code12 := code
	if k != KindVillages {
		code12 = field(1)
		if !isPadded(code12, code) {
			return nil, "", fail(1, "12-digit code %q is not %s %s padded with zeros", code12, cols[0], code)
		}
	}
	name := field(nameIdx)
	if name == "" {
		return nil, "", fail(nameIdx, "name is empty")
	}

	a = &tuopin.Area{Code: code12, Name: name, Level: k.Level()}
	if k > KindProvinces {
		a.ParentCode = rd.padParent(field(nameIdx + 1))
		if a.ParentCode == a.Code {
			if k == KindCounties {
				skip = "leaf city: the county row repeats its city's 12-digit code; the city is kept and its townships hang off it"
			} else {
				skip = fmt.Sprintf("synthetic %s whose 12-digit code is its parent's (NBS publishes no subdivisions here)", strings.TrimSuffix(k.String(), "s"))
			}
		}
	}
	return a, skip, nil
}

// checkCode returns what is wrong with a code of level l, or "".
func checkCode(code string, l tuopin.Level) string {
	switch {
	case code == "":
		return "code is empty"
	case !tuopin.IsDigits(code):
		return fmt.Sprintf("code %q is not all digits", code)
	case len(code) != l.Digits():
		return fmt.Sprintf("code %q has %d digits, want %d for a %s", code, len(code), l.Digits(), levelNoun[l])
	}
	return ""
}

var levelNoun = [...]string{"nation", "province", "city", "county", "township", "village"}

// isPadded reports whether code12 is prefix followed by zeros to 12 digits.
func isPadded(code12, prefix string) bool {
	if len(code12) != 12 || !strings.HasPrefix(code12, prefix) {
		return false
	}
	for i := len(prefix); i < 12; i++ {
		if code12[i] != '0' {
			return false
		}
	}
	return true
}

func (rd *Reader) padParent(prefix string) string {
	if prefix != rd.lastPrefix || rd.lastParent == "" {
		rd.lastPrefix, rd.lastParent = prefix, tuopin.PadCode(prefix)
	}
	return rd.lastParent
}

// ReadAll reads every area of a division file.
func ReadAll(r io.Reader) ([]*tuopin.Area, error) {
	rd, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	var out []*tuopin.Area
	for {
		a, err := rd.Read()
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
}
