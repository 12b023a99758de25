package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/tuopin/tuopin/xlsx"
)

// handXLSX builds an .xlsx by hand the way other writers do: prefixed
// element names, parts in other folders, a shared string with a phonetic
// run, entities, CDATA, comments, cells without r, and a 1904 workbook.
func handXLSX(t *testing.T) []byte {
	t.Helper()
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/book/wb.xml"/></Relationships>`,
		"book/_rels/wb.xml.rels": `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="sheets/data.xml"/>` +
			`<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings.xml"/>` +
			`<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="st.xml"/></Relationships>`,
		"book/wb.xml": `<?xml version="1.0"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<x:workbookPr date1904="1"/><x:sheets><x:sheet name="名单" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>`,
		"book/strings.xml": `<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2">` +
			`<si><r><t>韦</t></r><r><rPr><b/></rPr><t xml:space="preserve">秀金 </t></r><rPh sb="0" eb="1"><t>wei</t></rPh></si>` +
			`<si><t>A&amp;B &#x4E2D;&#25991;</t></si></sst>`,
		"book/st.xml": `<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
			`<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>` +
			`<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="49"/></cellXfs></styleSheet>`,
		"book/sheets/data.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!-- written by hand --><x:sheetData>` +
			`<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t><![CDATA[<raw> & text]]></x:t></x:is></x:c></x:row>` +
			`<x:row r="3" spans="1:3"><x:c r="B3" s="1"><x:v>29656</x:v></x:c><x:c r="C3"><x:v>4.5122419850101101E+17</x:v></x:c>` +
			`<x:c r="D3" t="b"><x:v>1</x:v></x:c><x:c r="E3" t="e"><x:v>#N/A</x:v></x:c><x:c r="F3" s="2"/></x:row>` +
			`<x:row><x:c t='str'><x:v>next row &lt;4&gt;</x:v></x:c></x:row>` +
			`</x:sheetData><x:mergeCells count="2"><x:mergeCell ref="A1:C1"/><x:mergeCell ref="B5:B9"/></x:mergeCells></x:worksheet>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSXReader(t *testing.T) {
	wb := mustOpen(t, handXLSX(t), xlsx.OpenOptions{})
	if wb.Format() != xlsx.FormatXLSX || !wb.Date1904() || len(wb.SheetNames()) != 1 || wb.SheetNames()[0] != "名单" {
		t.Fatalf("format %s, 1904 %v, sheets %v", wb.Format(), wb.Date1904(), wb.SheetNames())
	}
	merges, err := wb.Merges(0)
	if err != nil || len(merges) != 2 || merges[0] != (xlsx.Merge{FirstRow: 0, LastRow: 0, FirstCol: 0, LastCol: 2}) ||
		merges[1] != (xlsx.Merge{FirstRow: 4, LastRow: 8, FirstCol: 1, LastCol: 1}) {
		t.Errorf("merges %+v, %v", merges, err)
	}
	rows, err := wb.Rows(0)
	if err != nil {
		t.Fatal(err)
	}
	var got []xlsx.Row
	for {
		r, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, xlsx.Row{Num: r.Num, Cells: append([]xlsx.Cell(nil), r.Cells...)})
	}
	if len(got) != 3 || got[0].Num != 1 || got[1].Num != 3 || got[2].Num != 4 {
		t.Fatalf("rows %+v", got)
	}
	want := map[[2]int]xlsx.Cell{
		{0, 0}: {Text: "韦秀金 "},
		{0, 1}: {Text: "A&B 中文"},
		{0, 2}: {Text: "<raw> & text"},
		{1, 1}: {Text: "1985-03-12", Raw: "29656", Value: 29656, Number: true, Date: true},
		{1, 2}: {Text: "4.51224E+17", Raw: "4.5122419850101101E+17", Value: 4.5122419850101101e17, Number: true},
		{1, 3}: {Text: "TRUE"},
		{1, 4}: {Text: "#N/A"},
		{2, 0}: {Text: "next row <4>"},
	}
	for k, w := range want {
		if c := got[k[0]].Cell(k[1]); c != w {
			t.Errorf("row %d col %d: %+v, want %+v", got[k[0]].Num, k[1], c, w)
		}
	}
	if n := len(got[1].Cells); n != 5 {
		t.Errorf("row 3 has %d cells, want 5 (the styled empty F3 is no cell)", n)
	}
}
