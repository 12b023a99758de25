package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// The .xlsx reader. It reads the zip archive through io.ReaderAt, so the
// file is never held in memory: the small parts (workbook, relationships,
// styles) are parsed whole, the shared strings are kept in one compact
// table, and a worksheet is streamed element by element. It reads cell
// types and styles, which excelize's streaming Rows does not return, so
// that a number stored in a text column and a date serial can be told
// from text.

type xlsxBook struct {
	zr       *zip.Reader
	files    map[string]*zip.File // by lower-case name
	names    []string
	paths    []string // worksheet part per sheet
	sst      stringTable
	xfDate   []bool
	date1904 bool
}

func (b *xlsxBook) sheetNames() []string { return b.names }

func openXLSX(r io.ReaderAt, size int64) (b *xlsxBook, err error) {
	defer func() {
		if p := recover(); p != nil {
			b, err = nil, fmt.Errorf("%w: damaged .xlsx file (%v)", ErrFormat, p)
		}
	}()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: not a readable .xlsx (zip) file: %v", ErrFormat, err)
	}
	b = &xlsxBook{zr: zr, files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		b.files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}

	// The workbook part, from the package relationships.
	wbPath := "xl/workbook.xml"
	if rels, err := b.readRels("_rels/.rels", ""); err == nil {
		for _, rel := range rels {
			if strings.HasSuffix(rel.Type, "/officeDocument") {
				wbPath = rel.Target
			}
		}
	}
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := b.readXML(wbPath, &wb); err != nil {
		return nil, fmt.Errorf("%w: no readable workbook part: %v", ErrFormat, err)
	}
	b.date1904 = wb.Pr.Date1904 == "1" || wb.Pr.Date1904 == "true"
	dir := path.Dir(wbPath)
	rels, _ := b.readRels(path.Join(dir, "_rels", path.Base(wbPath)+".rels"), dir)
	byID := map[string]string{}
	sstPath, stylesPath := path.Join(dir, "sharedStrings.xml"), path.Join(dir, "styles.xml")
	for _, rel := range rels {
		byID[rel.ID] = rel.Target
		switch {
		case strings.HasSuffix(rel.Type, "/sharedStrings"):
			sstPath = rel.Target
		case strings.HasSuffix(rel.Type, "/styles"):
			stylesPath = rel.Target
		}
	}
	for i, s := range wb.Sheets {
		p, ok := byID[s.ID]
		if !ok {
			p = path.Join(dir, "worksheets", fmt.Sprintf("sheet%d.xml", i+1))
		}
		if _, ok := b.files[strings.ToLower(p)]; !ok {
			continue // a chart sheet or a missing part
		}
		b.names = append(b.names, s.Name)
		b.paths = append(b.paths, p)
	}
	if len(b.names) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no worksheet", ErrFormat)
	}
	if err := b.readStyles(stylesPath); err != nil {
		return nil, err
	}
	if err := b.readSST(sstPath); err != nil {
		return nil, err
	}
	return b, nil
}

type xlsxRel struct {
	ID     string `xml:"Id,attr"`
	Type   string `xml:"Type,attr"`
	Target string `xml:"Target,attr"`
	Mode   string `xml:"TargetMode,attr"`
}

// readRels reads a relationships part and resolves targets against dir.
func (b *xlsxBook) readRels(name, dir string) ([]xlsxRel, error) {
	var rels struct {
		Rels []xlsxRel `xml:"Relationship"`
	}
	if err := b.readXML(name, &rels); err != nil {
		return nil, err
	}
	for i, r := range rels.Rels {
		t := strings.ReplaceAll(r.Target, `\`, "/")
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(dir, t)
		}
		rels.Rels[i].Target = t
	}
	return rels.Rels, nil
}

func (b *xlsxBook) open(name string) (io.ReadCloser, error) {
	f, ok := b.files[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("no part %s", name)
	}
	return f.Open()
}

// readXML decodes a small part; parts over 32 MiB are refused.
func (b *xlsxBook) readXML(name string, v any) error {
	rc, err := b.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, 32<<20)).Decode(v)
}

func (b *xlsxBook) readStyles(name string) error {
	var st struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := b.readXML(name, &st); err != nil {
		if _, ok := b.files[strings.ToLower(name)]; !ok {
			return nil // no styles: every number is General
		}
		return fmt.Errorf("%w: unreadable styles part: %v", ErrFormat, err)
	}
	custom := map[int]bool{}
	for _, f := range st.NumFmts {
		custom[f.ID] = isDateFormat(f.Code)
	}
	b.xfDate = make([]bool, len(st.Xfs))
	for i, xf := range st.Xfs {
		if d, ok := custom[xf.NumFmtID]; ok {
			b.xfDate[i] = d
		} else {
			b.xfDate[i] = builtinDateFormat(xf.NumFmtID)
		}
	}
	return nil
}

// readSST streams the shared strings into a compact table, leaving out
// phonetic runs (rPh).
func (b *xlsxBook) readSST(name string) error {
	rc, err := b.open(name)
	if err != nil {
		return nil // a workbook without strings
	}
	defer rc.Close()
	sc := newXMLScanner(rc)
	var (
		text             []byte
		inSI, inT, inRPh bool
	)
	for {
		err := sc.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: unreadable shared strings: %v", ErrFormat, err)
		}
		switch sc.kind {
		case tokStart:
			switch string(sc.name) {
			case "si":
				inSI, text = true, text[:0]
			case "t":
				inT = inSI && !inRPh
			case "rPh":
				inRPh = true
			}
		case tokEnd:
			switch string(sc.name) {
			case "si":
				b.sst.add(string(text))
				inSI = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		case tokText:
			if inT {
				text = append(text, sc.text...)
			}
		}
	}
}

func (b *xlsxBook) merges(i int) ([]Merge, error) {
	rc, err := b.open(b.paths[i])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	defer rc.Close()
	// A byte scan for <mergeCell ref="A1:C2"/>: the merged ranges come
	// after the cells, and tokenising the whole sheet for them would cost
	// as much as reading it.
	var (
		ms    []Merge
		data  []byte
		chunk = make([]byte, 256<<10)
		key   = []byte("mergeCell")
	)
	for {
		n, rerr := rc.Read(chunk)
		data = append(data, chunk[:n]...)
		keep := 0
		for {
			j := bytes.Index(data, key)
			if j < 0 {
				keep = min(len(data), len(key))
				break
			}
			end := bytes.IndexByte(data[j:], '>')
			if end < 0 {
				keep = len(data) - j
				break
			}
			tag := data[j+len(key) : j+end]
			if (j > 0 && (data[j-1] == '<' || data[j-1] == ':')) && len(tag) > 0 && (tag[0] == ' ' || tag[0] == '\t' || tag[0] == '\n' || tag[0] == '\r') {
				if m, ok := parseMergeTag(tag); ok {
					ms = append(ms, m)
				}
			}
			data = data[j+end:]
		}
		if keep > 64<<10 {
			return ms, fmt.Errorf("%w: damaged merged cell list", ErrFormat)
		}
		data = append(data[:0], data[len(data)-keep:]...)
		if rerr == io.EOF {
			return ms, nil
		}
		if rerr != nil {
			return ms, fmt.Errorf("%w: %v", ErrFormat, rerr)
		}
	}
}

func parseMergeTag(tag []byte) (Merge, bool) {
	i := bytes.Index(tag, []byte("ref="))
	if i < 0 || i+5 > len(tag) {
		return Merge{}, false
	}
	q := tag[i+4]
	rest := tag[i+5:]
	j := bytes.IndexByte(rest, q)
	if j < 0 {
		return Merge{}, false
	}
	a, z, ok := strings.Cut(string(rest[:j]), ":")
	if !ok {
		z = a
	}
	r1, c1, ok1 := parseRef(a)
	r2, c2, ok2 := parseRef(z)
	if !ok1 || !ok2 {
		return Merge{}, false
	}
	return Merge{FirstRow: min(r1, r2), LastRow: max(r1, r2), FirstCol: min(c1, c2), LastCol: max(c1, c2)}, true
}

// xlsxRows streams one worksheet.
type xlsxRows struct {
	b   *xlsxBook
	rc  io.ReadCloser
	sc  *xmlScanner
	row []Cell
	num int // current row number, 1-based
	// the cell being read
	col            int
	typ            byte // 's', 'S' (str), 'i' (inlineStr), 'b', 'e', 'd', 'n'
	style          int
	val            []byte
	inV, inIS, inT bool
	inRPh          bool
	done           bool
}

func (b *xlsxBook) rows(i int) (Rows, error) {
	rc, err := b.open(b.paths[i])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return &xlsxRows{b: b, rc: rc, sc: newXMLScanner(rc)}, nil
}

func (x *xlsxRows) Close() error {
	x.done = true
	return x.rc.Close()
}

func atoiBytes(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func cellType(t []byte) byte {
	switch string(t) {
	case "s":
		return 's'
	case "str":
		return 'S'
	case "inlineStr":
		return 'i'
	case "b":
		return 'b'
	case "e":
		return 'e'
	case "d":
		return 'd'
	}
	return 'n'
}

func (x *xlsxRows) Next() (row Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			row, err = Row{}, fmt.Errorf("%w: damaged .xlsx sheet (%v)", ErrFormat, p)
		}
	}()
	if x.done {
		return Row{}, io.EOF
	}
	inRow := false
	sc := x.sc
	for {
		err := sc.next()
		if err == io.EOF {
			x.done = true
			if inRow {
				return Row{Num: x.num, Cells: x.row}, nil
			}
			return Row{}, io.EOF
		}
		if err != nil {
			x.done = true
			return Row{}, xmlError("worksheet", x.num+1, err)
		}
		switch sc.kind {
		case tokStart:
			switch string(sc.name) {
			case "row":
				n := x.num + 1
				if s, ok := sc.attr("r"); ok {
					if v, ok := atoiBytes(s); ok && v > x.num && v <= 1<<20 {
						n = v
					}
				}
				x.num, x.row, x.col, inRow = n, x.row[:0], -1, true
			case "c":
				col := x.col + 1
				if r, ok := sc.attr("r"); ok {
					if c := columnIndex(string(r)); c >= 0 && c < 16384 {
						col = c
					}
				}
				x.col = col
				t, _ := sc.attr("t")
				x.typ = cellType(t)
				x.style = 0
				if s, ok := sc.attr("s"); ok {
					x.style, _ = atoiBytes(s)
				}
				x.val = x.val[:0]
			case "v":
				x.inV = true
			case "is":
				x.inIS = true
			case "t":
				x.inT = x.inIS && !x.inRPh
			case "rPh":
				x.inRPh = true
			}
		case tokEnd:
			switch string(sc.name) {
			case "v":
				x.inV = false
			case "is":
				x.inIS = false
			case "t":
				x.inT = false
			case "rPh":
				x.inRPh = false
			case "c":
				if inRow && x.col >= 0 && x.col < 16384 {
					if c, ok := x.cell(); ok {
						for len(x.row) <= x.col {
							x.row = append(x.row, Cell{})
						}
						x.row[x.col] = c
					}
				}
			case "row":
				if inRow {
					return Row{Num: x.num, Cells: x.row}, nil
				}
			case "sheetData":
				x.done = true
				if inRow {
					return Row{Num: x.num, Cells: x.row}, nil
				}
				return Row{}, io.EOF
			}
		case tokText:
			if x.inV || x.inT {
				x.val = append(x.val, sc.text...)
			}
		}
	}
}

// cell builds the finished cell; ok is false for a cell without a value.
func (x *xlsxRows) cell() (Cell, bool) {
	if x.typ == 's' {
		i, ok := atoiBytes(bytes.TrimSpace(x.val))
		if !ok {
			return Cell{}, false
		}
		s, ok := x.b.sst.get(i)
		return Cell{Text: s}, ok
	}
	v := string(x.val)
	switch x.typ {
	case 'S', 'i', 'e', 'd':
		return Cell{Text: v}, v != ""
	case 'b':
		if v == "" {
			return Cell{}, false
		}
		if v == "1" || v == "true" {
			return Cell{Text: "TRUE"}, true
		}
		return Cell{Text: "FALSE"}, true
	}
	if v == "" {
		return Cell{}, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return Cell{Text: v}, true
	}
	date := x.style >= 0 && x.style < len(x.b.xfDate) && x.b.xfDate[x.style]
	return numberCell(f, v, date, x.b.date1904), true
}
