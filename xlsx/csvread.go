package xlsx

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

type csvBook struct {
	r        io.ReaderAt
	size     int64
	encoding string
	comma    rune
}

// openCSV detects the encoding (a BOM, else valid UTF-8 over the whole
// file, else GB18030) and the separator.
func openCSV(r io.ReaderAt, size int64, opts OpenOptions) (*csvBook, error) {
	b := &csvBook{r: r, size: size, comma: opts.Comma}
	head := make([]byte, 3)
	n, _ := r.ReadAt(head, 0)
	hasBOM := n == 3 && bytes.Equal(head, bom)
	switch strings.ToLower(strings.ReplaceAll(opts.Encoding, "_", "-")) {
	case "":
		switch {
		case hasBOM:
			b.encoding = EncodingUTF8BOM
		case validUTF8(io.NewSectionReader(r, 0, size)):
			b.encoding = EncodingUTF8
		default:
			b.encoding = EncodingGB18030
		}
	case "utf-8", "utf8", "utf-8-bom":
		b.encoding = EncodingUTF8
		if hasBOM {
			b.encoding = EncodingUTF8BOM
		}
	case "gbk", "gb18030", "gb2312", "cp936":
		b.encoding = EncodingGB18030
	default:
		return nil, fmt.Errorf("xlsx: unknown CSV encoding %q (use utf-8 or gbk)", opts.Encoding)
	}
	if b.comma == 0 {
		b.comma = b.sniffComma()
	}
	return b, nil
}

// validUTF8 checks a whole stream, carrying split sequences across chunks.
func validUTF8(r io.Reader) bool {
	buf := make([]byte, 64<<10+utf8.UTFMax)
	carry := 0
	for {
		n, err := r.Read(buf[carry : carry+64<<10])
		n += carry
		end := n
		if err == nil {
			// Hold back an incomplete sequence at the end.
			for k := 1; k <= utf8.UTFMax-1 && k <= end; k++ {
				if utf8.RuneStart(buf[end-k]) {
					if !utf8.FullRune(buf[end-k : end]) {
						end -= k
					}
					break
				}
			}
		}
		if !utf8.Valid(buf[:end]) {
			return false
		}
		carry = copy(buf, buf[end:n])
		if err != nil {
			return carry == 0 || utf8.Valid(buf[:carry])
		}
	}
}

func (b *csvBook) reader() io.Reader {
	var r io.Reader = io.NewSectionReader(b.r, 0, b.size)
	switch b.encoding {
	case EncodingUTF8BOM:
		r = io.NewSectionReader(b.r, 3, b.size-3)
	case EncodingGB18030:
		r = simplifiedchinese.GB18030.NewDecoder().Reader(r)
	}
	return r
}

// sniffComma picks the separator that the first line holds most of.
func (b *csvBook) sniffComma() rune {
	br := bufio.NewReaderSize(b.reader(), 64<<10)
	line, _ := br.ReadString('\n')
	best, count := ',', strings.Count(line, ",")
	for _, c := range []rune{'\t', ';'} {
		if n := strings.Count(line, string(c)); n > count {
			best, count = c, n
		}
	}
	return best
}

type csvRows struct {
	cr    *csv.Reader
	cells []Cell
}

func (b *csvBook) rows() (Rows, error) {
	cr := csv.NewReader(bufio.NewReaderSize(b.reader(), 64<<10))
	cr.Comma = b.comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvRows{cr: cr}, nil
}

func (c *csvRows) Close() error { return nil }

func (c *csvRows) Next() (Row, error) {
	rec, err := c.cr.Read()
	if err == io.EOF {
		return Row{}, io.EOF
	}
	if err != nil {
		return Row{}, fmt.Errorf("%w: CSV: %v", ErrFormat, err)
	}
	line, _ := c.cr.FieldPos(0)
	c.cells = c.cells[:0]
	for _, s := range rec {
		c.cells = append(c.cells, Cell{Text: s})
	}
	return Row{Num: line, Cells: c.cells}, nil
}
