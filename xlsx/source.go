package xlsx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is a spreadsheet file format.
type Format string

// Formats. FormatCSVGBK is for encoders only: decoders detect the encoding
// of a CSV file (or take it from OpenOptions.Encoding).
const (
	FormatXLSX   Format = "xlsx"    // Office Open XML workbook (zip)
	FormatXLS    Format = "xls"     // Excel 97–2003 BIFF8 workbook (OLE2 compound file)
	FormatCSV    Format = "csv"     // comma-separated text; written as UTF-8 with a BOM
	FormatCSVGBK Format = "csv-gbk" // comma-separated text written in GBK (GB18030)
)

// CSV encodings, as reported by Workbook.Encoding and accepted by
// OpenOptions.Encoding.
const (
	EncodingUTF8    = "utf-8"     // valid UTF-8 without a byte-order mark
	EncodingUTF8BOM = "utf-8-bom" // UTF-8 starting with EF BB BF
	EncodingGB18030 = "gb18030"   // GBK and its superset GB18030, as WPS and Excel save "CSV" in China
)

var (
	magicZip = []byte("PK\x03\x04")
	magicOLE = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// DetectFormat tells the format of a file from its first bytes (at least 8),
// never from its name: a zip archive is an .xlsx, an OLE2 compound file an
// .xls, anything else is read as CSV text.
func DetectFormat(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, magicZip):
		return FormatXLSX
	case bytes.HasPrefix(head, magicOLE):
		return FormatXLS
	}
	return FormatCSV
}

// Cell is one cell as the file holds it. Text is what a person sees in
// the spreadsheet program: a string cell's text, a number in Excel's
// General display ("4.51224E+17" for an 18-digit number), a date-formatted
// number as 2006-01-02. For a cell stored as a number, Number is set, Value
// holds the number and Raw the digits as stored in the file, so that a
// decoder can judge dates and long numbers by the value rather than by the
// display.
type Cell struct {
	Text   string
	Raw    string
	Value  float64
	Number bool // stored as a number (xlsx t="n", BIFF NUMBER/RK/formula result)
	Date   bool // a number whose format is a date or time format
}

// IsEmpty reports whether the cell holds nothing but spaces.
func (c Cell) IsEmpty() bool { return !c.Number && strings.TrimSpace(c.Text) == "" }

// Row is one row of a sheet. Num is the 1-based row number that the
// spreadsheet program shows (for CSV, the line the record starts on);
// Cells[i] is column i (A = 0). A Row's Cells are valid until the next
// call to Next.
type Row struct {
	Num   int
	Cells []Cell
}

// Cell returns column i of the row, or an empty cell.
func (r Row) Cell(i int) Cell {
	if i >= 0 && i < len(r.Cells) {
		return r.Cells[i]
	}
	return Cell{}
}

// IsBlank reports whether every cell of the row is empty.
func (r Row) IsBlank() bool {
	for _, c := range r.Cells {
		if !c.IsEmpty() {
			return false
		}
	}
	return true
}

// Rows streams the rows of one sheet. Next returns io.EOF after the last
// row. Rows that hold no cell at all may be skipped by the source; row
// numbers stay those of the file.
type Rows interface {
	Next() (Row, error)
	Close() error
}

// Merge is a merged range of cells, 0-based and inclusive.
type Merge struct {
	FirstRow, LastRow int
	FirstCol, LastCol int
}

// OpenOptions tune Open.
type OpenOptions struct {
	// Encoding forces the encoding of a CSV file (EncodingUTF8,
	// EncodingUTF8BOM or EncodingGB18030; "gbk" is taken as GB18030). Empty
	// means detect: a UTF-8 byte-order mark, else valid UTF-8, else GB18030.
	Encoding string
	// Comma forces the CSV separator; 0 means detect (comma, tab or
	// semicolon, from the first line).
	Comma rune
}

// Workbook is an opened spreadsheet file. It reads from an io.ReaderAt, so
// that each sheet can be streamed more than once (a decoder counts first,
// then decodes) without holding the file in memory.
type Workbook struct {
	format   Format
	encoding string
	sheets   []string
	date1904 bool

	csv  *csvBook
	xlsx *xlsxBook
	xls  *xlsBook
}

// ErrFormat is wrapped by errors about unreadable files.
var ErrFormat = errors.New("unreadable spreadsheet")

// Open opens a spreadsheet of any supported format, detected from its
// first bytes. size is the length of r. Errors wrap ErrFormat when the
// file is not a readable spreadsheet.
func Open(r io.ReaderAt, size int64, opts OpenOptions) (wb *Workbook, err error) {
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	wb = &Workbook{format: DetectFormat(head[:n])}
	switch wb.format {
	case FormatXLSX:
		wb.xlsx, err = openXLSX(r, size)
		if err == nil {
			wb.sheets, wb.date1904 = wb.xlsx.sheetNames(), wb.xlsx.date1904
		}
	case FormatXLS:
		wb.xls, err = openXLS(r, size)
		if err == nil {
			wb.sheets, wb.date1904 = wb.xls.sheetNames(), wb.xls.date1904
		}
	default:
		wb.csv, err = openCSV(r, size, opts)
		if err == nil {
			wb.sheets, wb.encoding = []string{"CSV"}, wb.csv.encoding
		}
	}
	if err != nil {
		return nil, err
	}
	return wb, nil
}

// Format returns the detected format: FormatXLSX, FormatXLS or FormatCSV.
func (wb *Workbook) Format() Format { return wb.format }

// Encoding returns the encoding a CSV file was read in (one of the
// Encoding constants), or "" for a workbook.
func (wb *Workbook) Encoding() string { return wb.encoding }

// SheetNames lists the worksheets in workbook order; a CSV file has one.
func (wb *Workbook) SheetNames() []string { return wb.sheets }

// Date1904 reports whether the workbook counts dates from 1904 (Excel for
// Mac's old date system) rather than from 1900.
func (wb *Workbook) Date1904() bool { return wb.date1904 }

// Rows starts streaming the rows of sheet i (0-based). Each call starts
// again from the top of the sheet.
func (wb *Workbook) Rows(i int) (Rows, error) {
	if i < 0 || i >= len(wb.sheets) {
		return nil, fmt.Errorf("xlsx: no sheet %d (the file has %d)", i+1, len(wb.sheets))
	}
	switch {
	case wb.xlsx != nil:
		return wb.xlsx.rows(i)
	case wb.xls != nil:
		return wb.xls.rows(i)
	}
	return wb.csv.rows()
}

// Merges returns the merged ranges of sheet i (none for CSV).
func (wb *Workbook) Merges(i int) ([]Merge, error) {
	if i < 0 || i >= len(wb.sheets) {
		return nil, fmt.Errorf("xlsx: no sheet %d (the file has %d)", i+1, len(wb.sheets))
	}
	switch {
	case wb.xlsx != nil:
		return wb.xlsx.merges(i)
	case wb.xls != nil:
		return wb.xls.merges(i)
	}
	return nil, nil
}

// ColumnLetter returns the spreadsheet letter of a 0-based column index
// (0 → "A", 26 → "AA").
func ColumnLetter(i int) string {
	if i < 0 {
		return ""
	}
	var b [8]byte
	n := len(b)
	for i++; i > 0; i = (i - 1) / 26 {
		n--
		b[n] = byte('A' + (i-1)%26)
	}
	return string(b[n:])
}

// columnIndex parses the letters at the start of a cell reference such as
// "AB12" and returns the 0-based column, or -1.
func columnIndex(ref string) int {
	col := 0
	i := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A'+1)
		if col > 1<<20 {
			return -1
		}
	}
	if i == 0 {
		return -1
	}
	return col - 1
}

// parseRef parses "B3" into 0-based row and column.
func parseRef(ref string) (row, col int, ok bool) {
	col = columnIndex(ref)
	if col < 0 {
		return 0, 0, false
	}
	i := 0
	for i < len(ref) && (ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		i++
	}
	n, err := strconv.Atoi(ref[i:])
	if err != nil || n < 1 || n > 1<<21 {
		return 0, 0, false
	}
	return n - 1, col, true
}
