package xlsx

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
)

// The .xls reader. The OLE2 compound file (the container) is read by
// github.com/richardlehane/mscfb; the BIFF8 records of the Workbook stream
// are decoded here, after [MS-XLS]. Only what a data import needs is
// decoded: the shared string table, number formats and XF records (to tell
// dates), the date system, the sheet list, cell values (strings, numbers,
// RK/MULRK, booleans, errors, formula results) and merged ranges.
//
// The globals (shared strings, formats) are read once on Open; a sheet's
// cells are streamed record by record from its own offset, so memory holds
// the shared strings and one row, never the sheet.

// BIFF8 record types.
const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recDateMode   = 0x0022
	recContinue   = 0x003C
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recXF         = 0x00E0
	recMergeCells = 0x00E5
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recRString    = 0x00D6
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recRK         = 0x027E
	recFormat     = 0x041E
	recBOF        = 0x0809
)

type xlsSheet struct {
	name   string
	offset int64
}

type xlsBook struct {
	stream   io.ReaderAt
	size     int64
	sheets   []xlsSheet
	sst      stringTable
	xfDate   []bool // per XF index: the number format is a date format
	date1904 bool
}

func (b *xlsBook) sheetNames() []string {
	names := make([]string, len(b.sheets))
	for i, s := range b.sheets {
		names[i] = s.name
	}
	return names
}

// stringTable holds strings in one arena to keep large tables compact.
type stringTable struct {
	buf  []byte
	ends []uint32
}

func (t *stringTable) add(s string) {
	t.buf = append(t.buf, s...)
	t.ends = append(t.ends, uint32(len(t.buf)))
}

func (t *stringTable) get(i int) (string, bool) {
	if i < 0 || i >= len(t.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = t.ends[i-1]
	}
	return string(t.buf[start:t.ends[i]]), true
}

func (t *stringTable) len() int { return len(t.ends) }

// recordReader reads BIFF records from a stream.
type recordReader struct {
	r    *bufio.Reader
	hdr  [4]byte
	data []byte
	off  int64 // offset of the next record
}

func (rr *recordReader) next() (typ uint16, data []byte, err error) {
	if _, err = io.ReadFull(rr.r, rr.hdr[:]); err != nil {
		if err == io.ErrUnexpectedEOF {
			err = fmt.Errorf("%w: truncated BIFF record", ErrFormat)
		}
		return 0, nil, err
	}
	typ = binary.LittleEndian.Uint16(rr.hdr[0:])
	n := int(binary.LittleEndian.Uint16(rr.hdr[2:]))
	if cap(rr.data) < n {
		rr.data = make([]byte, n, 8228)
	}
	rr.data = rr.data[:n]
	if _, err = io.ReadFull(rr.r, rr.data); err != nil {
		return 0, nil, fmt.Errorf("%w: truncated BIFF record", ErrFormat)
	}
	rr.off += int64(4 + n)
	return typ, rr.data, nil
}

// skip moves past the body of records without reading them into memory,
// for the scan of merged ranges.
func (rr *recordReader) nextHeader() (typ uint16, n int, err error) {
	if _, err = io.ReadFull(rr.r, rr.hdr[:]); err != nil {
		return 0, 0, err
	}
	return binary.LittleEndian.Uint16(rr.hdr[0:]), int(binary.LittleEndian.Uint16(rr.hdr[2:])), nil
}

func openXLS(r io.ReaderAt, size int64) (b *xlsBook, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("%w: damaged .xls file (%v)", ErrFormat, p)
		}
	}()
	// mscfb follows the sector chain from its start on every read, so
	// the FAT sectors are read again and again: a small block cache keeps
	// that from becoming a system call each.
	doc, err := mscfb.New(newBlockCache(r, size))
	if err != nil {
		return nil, fmt.Errorf("%w: not a readable OLE2 file: %v", ErrFormat, err)
	}
	var wbStream *mscfb.File
	for f, err := doc.Next(); err == nil; f, err = doc.Next() {
		if f.Name == "Workbook" || f.Name == "WORKBOOK" || f.Name == "workbook" {
			wbStream = f
			break
		}
		if f.Name == "Book" {
			return nil, fmt.Errorf("%w: this .xls is in the Excel 5.0/95 format; save it as Excel 97–2003 (.xls) or .xlsx", ErrFormat)
		}
	}
	if wbStream == nil {
		return nil, fmt.Errorf("%w: the OLE2 file holds no Excel workbook (an encrypted file, or a Word/other document?)", ErrFormat)
	}
	b = &xlsBook{stream: wbStream, size: wbStream.Size}
	if err := b.readGlobals(); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *xlsBook) reader(off int64) *recordReader {
	return &recordReader{r: bufio.NewReaderSize(io.NewSectionReader(b.stream, off, b.size-off), 64<<10), off: off}
}

// readGlobals reads the workbook globals substream.
func (b *xlsBook) readGlobals() error {
	rr := b.reader(0)
	typ, data, err := rr.next()
	if err != nil || typ != recBOF || len(data) < 4 {
		return fmt.Errorf("%w: the workbook stream does not start with a BIFF BOF record", ErrFormat)
	}
	if v := binary.LittleEndian.Uint16(data); v != 0x0600 {
		return fmt.Errorf("%w: BIFF version %#x is not BIFF8 (Excel 97–2003); save the file as .xls 97–2003 or .xlsx", ErrFormat, v)
	}
	formats := map[int]bool{}
	var xfFormats []int
	var sstParts [][]byte // SST record and its CONTINUE records
	inSST := false
	for {
		typ, data, err := rr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if typ != recContinue {
			if inSST {
				if err := b.readSST(sstParts); err != nil {
					return err
				}
				sstParts, inSST = nil, false
			}
		}
		switch typ {
		case recEOF:
			goto done
		case recDateMode:
			if len(data) >= 2 {
				b.date1904 = binary.LittleEndian.Uint16(data) == 1
			}
		case recFormat:
			if len(data) >= 5 {
				id := int(binary.LittleEndian.Uint16(data))
				s, _, _ := readUnicodeString(data[2:], 2)
				formats[id] = isDateFormat(s)
			}
		case recXF:
			if len(data) >= 4 {
				xfFormats = append(xfFormats, int(binary.LittleEndian.Uint16(data[2:])))
			}
		case recBoundSheet:
			if len(data) >= 8 && data[5] == 0 { // dt 0: worksheet
				name, _, _ := readUnicodeString(data[6:], 1)
				b.sheets = append(b.sheets, xlsSheet{name: name, offset: int64(binary.LittleEndian.Uint32(data))})
			}
		case recSST:
			sstParts, inSST = [][]byte{append([]byte(nil), data...)}, true
		case recContinue:
			if inSST {
				sstParts = append(sstParts, append([]byte(nil), data...))
			}
		}
	}
done:
	if inSST {
		if err := b.readSST(sstParts); err != nil {
			return err
		}
	}
	b.xfDate = make([]bool, len(xfFormats))
	for i, f := range xfFormats {
		if d, ok := formats[f]; ok {
			b.xfDate[i] = d
		} else {
			b.xfDate[i] = builtinDateFormat(f)
		}
	}
	if len(b.sheets) == 0 {
		return fmt.Errorf("%w: the workbook has no worksheet", ErrFormat)
	}
	for _, s := range b.sheets {
		if s.offset <= 0 || s.offset >= b.size {
			return fmt.Errorf("%w: sheet %q points outside the workbook stream", ErrFormat, s.name)
		}
	}
	return nil
}

// readUnicodeString reads an XLUnicodeString (lenSize 2) or a
// ShortXLUnicodeString (lenSize 1) and returns it with the bytes used.
func readUnicodeString(p []byte, lenSize int) (string, int, bool) {
	if len(p) < lenSize+1 {
		return "", len(p), false
	}
	n := int(p[0])
	if lenSize == 2 {
		n = int(binary.LittleEndian.Uint16(p))
	}
	flags := p[lenSize]
	p = p[lenSize+1:]
	used := lenSize + 1
	if flags&1 == 0 {
		if n > len(p) {
			n = len(p)
		}
		return latin1(p[:n]), used + n, true
	}
	if 2*n > len(p) {
		n = len(p) / 2
	}
	return utf16le(p[:2*n]), used + 2*n, true
}

func latin1(p []byte) string {
	ascii := true
	for _, c := range p {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(p)
	}
	r := make([]rune, len(p))
	for i, c := range p {
		r[i] = rune(c)
	}
	return string(r)
}

func utf16le(p []byte) string {
	u := make([]uint16, len(p)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(p[2*i:])
	}
	return string(utf16.Decode(u))
}

// sstCursor walks the SST record and its CONTINUE records. A string's
// characters may be split across records; each continuation then starts
// with a new flags byte saying whether the rest is compressed.
type sstCursor struct {
	parts [][]byte
	part  int
	pos   int
}

func (c *sstCursor) avail() int {
	for c.part < len(c.parts) && c.pos >= len(c.parts[c.part]) {
		c.part++
		c.pos = 0
	}
	if c.part >= len(c.parts) {
		return 0
	}
	return len(c.parts[c.part]) - c.pos
}

func (c *sstCursor) bytes(n int) ([]byte, bool) {
	if c.avail() < n {
		// Fixed-size fields are not split by Excel, but tolerate it.
		var out []byte
		for n > 0 {
			a := c.avail()
			if a == 0 {
				return nil, false
			}
			k := min(a, n)
			out = append(out, c.parts[c.part][c.pos:c.pos+k]...)
			c.pos += k
			n -= k
		}
		return out, true
	}
	p := c.parts[c.part][c.pos : c.pos+n]
	c.pos += n
	return p, true
}

func (c *sstCursor) skip(n int) bool {
	for n > 0 {
		a := c.avail()
		if a == 0 {
			return false
		}
		k := min(a, n)
		c.pos += k
		n -= k
	}
	return true
}

func (b *xlsBook) readSST(parts [][]byte) error {
	c := &sstCursor{parts: parts}
	hdr, ok := c.bytes(8)
	if !ok {
		return fmt.Errorf("%w: damaged shared string table", ErrFormat)
	}
	unique := int(binary.LittleEndian.Uint32(hdr[4:]))
	var sb strings.Builder
	for i := 0; i < unique; i++ {
		h, ok := c.bytes(3)
		if !ok {
			break // some writers overstate the count
		}
		n := int(binary.LittleEndian.Uint16(h))
		flags := h[2]
		runs, ext := 0, 0
		if flags&0x08 != 0 {
			p, ok := c.bytes(2)
			if !ok {
				return fmt.Errorf("%w: damaged shared string table", ErrFormat)
			}
			runs = int(binary.LittleEndian.Uint16(p))
		}
		if flags&0x04 != 0 {
			p, ok := c.bytes(4)
			if !ok {
				return fmt.Errorf("%w: damaged shared string table", ErrFormat)
			}
			ext = int(binary.LittleEndian.Uint32(p))
		}
		sb.Reset()
		wide := flags&1 != 0
		part := c.part
		for n > 0 {
			a := c.avail()
			if a == 0 {
				return fmt.Errorf("%w: damaged shared string table", ErrFormat)
			}
			if c.part != part {
				// The characters go on in a CONTINUE record, which starts
				// with its own flags byte.
				part = c.part
				f, _ := c.bytes(1)
				wide = f[0]&1 != 0
				if a--; a == 0 {
					continue
				}
			}
			if wide {
				k := min(n, a/2)
				if k == 0 {
					return fmt.Errorf("%w: damaged shared string table", ErrFormat)
				}
				p, _ := c.bytes(2 * k)
				sb.WriteString(utf16le(p))
				n -= k
			} else {
				k := min(n, a)
				p, _ := c.bytes(k)
				sb.WriteString(latin1(p))
				n -= k
			}
		}
		if !c.skip(4*runs + ext) {
			b.sst.add(sb.String())
			break
		}
		b.sst.add(sb.String())
	}
	return nil
}

func (b *xlsBook) merges(i int) (ms []Merge, err error) {
	defer func() {
		if p := recover(); p != nil {
			ms, err = nil, fmt.Errorf("%w: damaged .xls sheet (%v)", ErrFormat, p)
		}
	}()
	rr := b.reader(b.sheets[i].offset)
	buf := make([]byte, 8224)
	for depth := 0; ; {
		typ, n, err := rr.nextHeader()
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return ms, nil
		}
		if err != nil {
			return nil, err
		}
		if typ == recMergeCells {
			p := buf[:n]
			if _, err := io.ReadFull(rr.r, p); err != nil {
				return ms, nil
			}
			if len(p) >= 2 {
				cnt := int(binary.LittleEndian.Uint16(p))
				for k := 0; k < cnt && 2+8*k+8 <= len(p); k++ {
					q := p[2+8*k:]
					ms = append(ms, Merge{
						FirstRow: int(binary.LittleEndian.Uint16(q[0:])), LastRow: int(binary.LittleEndian.Uint16(q[2:])),
						FirstCol: int(binary.LittleEndian.Uint16(q[4:])), LastCol: int(binary.LittleEndian.Uint16(q[6:])),
					})
				}
			}
			continue
		}
		if _, err := rr.r.Discard(n); err != nil {
			return ms, nil
		}
		switch typ {
		case recBOF:
			depth++
		case recEOF:
			depth--
			if depth <= 0 {
				return ms, nil
			}
		}
	}
}

// xlsRows streams the cells of one sheet, row by row.
type xlsRows struct {
	b       *xlsBook
	rr      *recordReader
	cur     []Cell
	curRow  int // 0-based row being collected, -1 before the first cell
	lastOut int // 0-based row last returned
	pending *Row
	depth   int
	done    bool
	fmlaRow int // a formula waiting for its STRING record
	fmlaCol int
	fmlaXF  int
	out     []Cell
}

func (b *xlsBook) rows(i int) (Rows, error) {
	rr := b.reader(b.sheets[i].offset)
	typ, data, err := rr.next()
	if err != nil || typ != recBOF || len(data) < 4 {
		return nil, fmt.Errorf("%w: sheet %q does not start with a BOF record", ErrFormat, b.sheets[i].name)
	}
	return &xlsRows{b: b, rr: rr, curRow: -1, lastOut: -1, depth: 1, fmlaRow: -1}, nil
}

func (x *xlsRows) Close() error { x.done = true; return nil }

func (x *xlsRows) set(row, col int, c Cell) error {
	if col > 16383 || row > 1<<20 {
		return fmt.Errorf("%w: cell outside the sheet", ErrFormat)
	}
	if row != x.curRow {
		if row < x.curRow || row <= x.lastOut {
			return fmt.Errorf("%w: cells of row %d come after row %d; resave the file in Excel or WPS", ErrFormat, row+1, x.curRow+1)
		}
		if x.curRow >= 0 {
			x.flush()
		}
		x.curRow = row
	}
	for len(x.cur) <= col {
		x.cur = append(x.cur, Cell{})
	}
	x.cur[col] = c
	return nil
}

func (x *xlsRows) flush() {
	x.out = append(x.out[:0], x.cur...)
	x.pending = &Row{Num: x.curRow + 1, Cells: x.out}
	x.lastOut = x.curRow
	x.cur = x.cur[:0]
}

func (x *xlsRows) number(v float64, xf int) Cell {
	date := xf >= 0 && xf < len(x.b.xfDate) && x.b.xfDate[xf]
	return numberCell(v, "", date, x.b.date1904)
}

func rkValue(rk uint32) float64 {
	var v float64
	if rk&2 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&1 != 0 {
		v /= 100
	}
	return v
}

func (x *xlsRows) Next() (row Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, err = Row{}, fmt.Errorf("%w: damaged .xls sheet (%v)", ErrFormat, p)
		}
	}()
	for {
		if x.pending != nil {
			r := *x.pending
			x.pending = nil
			return r, nil
		}
		if x.done {
			return Row{}, io.EOF
		}
		typ, data, err := x.rr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				x.endSheet()
				continue
			}
			return Row{}, err
		}
		if err := x.record(typ, data); err != nil {
			return Row{}, err
		}
	}
}

func (x *xlsRows) endSheet() {
	x.done = true
	if x.curRow >= 0 && len(x.cur) > 0 {
		x.flush()
	}
}

func (x *xlsRows) record(typ uint16, d []byte) error {
	le := binary.LittleEndian
	if typ != recString && typ != recContinue {
		x.fmlaRow = -1
	}
	cell := func() (int, int, int, bool) {
		if len(d) < 6 {
			return 0, 0, 0, false
		}
		return int(le.Uint16(d)), int(le.Uint16(d[2:])), int(le.Uint16(d[4:])), true
	}
	switch typ {
	case recBOF:
		x.depth++ // an embedded chart or similar substream
	case recEOF:
		x.depth--
		if x.depth <= 0 {
			x.endSheet()
		}
	case recLabelSST:
		if r, c, _, ok := cell(); ok && len(d) >= 10 {
			s, _ := x.b.sst.get(int(le.Uint32(d[6:])))
			return x.set(r, c, Cell{Text: s})
		}
	case recLabel, recRString:
		if r, c, _, ok := cell(); ok {
			s, _, _ := readUnicodeString(d[6:], 2)
			return x.set(r, c, Cell{Text: s})
		}
	case recNumber:
		if r, c, xf, ok := cell(); ok && len(d) >= 14 {
			return x.set(r, c, x.number(math.Float64frombits(le.Uint64(d[6:])), xf))
		}
	case recRK:
		if r, c, xf, ok := cell(); ok && len(d) >= 10 {
			return x.set(r, c, x.number(rkValue(le.Uint32(d[6:])), xf))
		}
	case recMulRK:
		if len(d) >= 6 {
			r, first := int(le.Uint16(d)), int(le.Uint16(d[2:]))
			for k := 0; 4+6*k+6 <= len(d)-2; k++ {
				p := d[4+6*k:]
				if err := x.set(r, first+k, x.number(rkValue(le.Uint32(p[2:])), int(le.Uint16(p)))); err != nil {
					return err
				}
			}
		}
	case recBoolErr:
		if r, c, _, ok := cell(); ok && len(d) >= 8 {
			if d[7] == 0 {
				return x.set(r, c, Cell{Text: map[bool]string{true: "TRUE", false: "FALSE"}[d[6] != 0]})
			}
			return x.set(r, c, Cell{Text: biffError(d[6])})
		}
	case recFormula:
		if r, c, xf, ok := cell(); ok && len(d) >= 14 {
			res := d[6:14]
			if le.Uint16(res[6:]) != 0xFFFF {
				return x.set(r, c, x.number(math.Float64frombits(le.Uint64(res)), xf))
			}
			switch res[0] {
			case 0: // string in the next STRING record
				x.fmlaRow, x.fmlaCol, x.fmlaXF = r, c, xf
			case 1:
				return x.set(r, c, Cell{Text: map[bool]string{true: "TRUE", false: "FALSE"}[res[2] != 0]})
			case 2:
				return x.set(r, c, Cell{Text: biffError(res[2])})
			}
		}
	case recString:
		if x.fmlaRow >= 0 {
			s, _, _ := readUnicodeString(d, 2)
			r, c := x.fmlaRow, x.fmlaCol
			x.fmlaRow = -1
			return x.set(r, c, Cell{Text: s})
		}
	}
	return nil
}

func biffError(code byte) string {
	switch code {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	}
	return "#ERROR"
}

// blockCache is an io.ReaderAt that keeps the last blocks read (2 MiB at
// most), first in first out.
type blockCache struct {
	r      io.ReaderAt
	size   int64
	blocks map[int64][]byte
	ring   []int64
	next   int
}

const (
	cacheBlock  = 4096
	cacheBlocks = 512
)

func newBlockCache(r io.ReaderAt, size int64) *blockCache {
	return &blockCache{r: r, size: size, blocks: make(map[int64][]byte, cacheBlocks)}
}

func (c *blockCache) block(n int64) ([]byte, error) {
	if b, ok := c.blocks[n]; ok {
		return b, nil
	}
	off := n * cacheBlock
	if off >= c.size {
		return nil, io.EOF
	}
	var b []byte
	if len(c.ring) < cacheBlocks {
		b = make([]byte, cacheBlock)
		c.ring = append(c.ring, n)
	} else {
		old := c.ring[c.next]
		b = c.blocks[old][:cacheBlock]
		delete(c.blocks, old)
		c.ring[c.next] = n
		c.next = (c.next + 1) % cacheBlocks
	}
	k, err := c.r.ReadAt(b, off)
	if k < cacheBlock && (err == nil || err == io.EOF) && off+int64(k) == c.size {
		err = nil
	}
	if err != nil {
		for i, m := range c.ring {
			if m == n {
				c.ring = append(c.ring[:i], c.ring[i+1:]...)
				if c.next > len(c.ring)-1 {
					c.next = 0
				}
				break
			}
		}
		return nil, err
	}
	b = b[:k]
	c.blocks[n] = b
	return b, nil
}

func (c *blockCache) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	done := 0
	for done < len(p) {
		pos := off + int64(done)
		b, err := c.block(pos / cacheBlock)
		if err != nil {
			return done, err
		}
		i := int(pos % cacheBlock)
		if i >= len(b) {
			return done, io.EOF
		}
		done += copy(p[done:], b[i:])
	}
	return done, nil
}
