package apphttp

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// dataTable is the table beside a chart. One value feeds both the page
// (Text) and its "导出 Excel" download (Value), so that the sheet holds
// exactly what the page shows, as numbers where the page shows numbers.
type dataTable struct {
	ID       string // the table's name in export links: "plan", "causes" …
	Title    string
	Subtitle string // area, year and date, for the sheet's second row
	Columns  []tableColumn
	Rows     []tableRow
	Foot     *tableRow
}

type tableColumn struct {
	Label string
	Num   bool // right-aligned on the page
}

type tableRow struct {
	URL   string // where the first cell links, "" for none
	Cells []tableCell
}

// tableCell is one cell: Text for the page, Value (int, float64 or
// string) for the sheet, Fill an optional background (#rrggbb) for the
// sheet, Class an optional CSS class for the page, Col a stable name
// (data-col) for tests and scripts.
type tableCell struct {
	Text  string
	Value any
	Fill  string
	Class string
	Col   string
}

func textCell(s string) tableCell { return tableCell{Text: s, Value: s} }

func intCell(n int) tableCell { return tableCell{Text: formatInt(n), Value: n} }

// pctCell shows part/whole as a percentage with one decimal; the sheet
// gets the number (12.5 for 12.5%).
func pctCell(part, whole int) tableCell {
	if whole <= 0 {
		return tableCell{Text: "—", Value: ""}
	}
	p := percent(part, whole)
	v, _ := strconv.ParseFloat(p, 64)
	return tableCell{Text: p + "%", Value: v}
}

// exportURL is the link of a table's "导出 Excel" button: the page's export
// route with the page's area, year and date, and the table's name.
func exportURL(path string, q url.Values, table string) string {
	v := url.Values{"table": {table}}
	for k, vals := range q {
		v[k] = vals
	}
	return path + "?" + v.Encode()
}

// sheetName returns a valid worksheet name: at most 31 characters, none of
// : \ / ? * [ ].
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '-'
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 31 {
		s = string(r[:31])
	}
	if s == "" {
		s = "Sheet1"
	}
	return s
}

// writeXLSX answers with the table as an .xlsx workbook of one sheet: the
// title, the subtitle, the header row (frozen), the rows and the foot.
func (s *Server) writeXLSX(w http.ResponseWriter, r *http.Request, filename string, t *dataTable) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := sheetName(t.Title)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := fillSheet(f, sheet, t); err != nil {
		s.htmlError(w, r, err)
		return
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"export.xlsx\"; filename*=UTF-8''"+url.PathEscape(filename))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = buf.WriteTo(w)
}

func fillSheet(f *excelize.File, sheet string, t *dataTable) error {
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E2E7EC"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    thinBorder(),
	})
	if err != nil {
		return err
	}
	styles := map[string]int{} // by fill and boldness
	style := func(fill string, isBold bool) (int, error) {
		key := fill + strconv.FormatBool(isBold)
		if id, ok := styles[key]; ok {
			return id, nil
		}
		st := &excelize.Style{Border: thinBorder(), Font: &excelize.Font{Bold: isBold}}
		if fill != "" {
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}}
		}
		id, err := f.NewStyle(st)
		styles[key] = id
		return id, err
	}

	if err := f.SetCellValue(sheet, "A1", t.Title); err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "A1", "A1", bold); err != nil {
		return err
	}
	if err := f.SetCellValue(sheet, "A2", t.Subtitle); err != nil {
		return err
	}
	const headRow = 3
	for i, c := range t.Columns {
		cell, _ := excelize.CoordinatesToCellName(i+1, headRow)
		if err := f.SetCellValue(sheet, cell, c.Label); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cell, cell, head); err != nil {
			return err
		}
		width := 10.0
		if i == 0 {
			width = 18
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
	}
	rows := t.Rows
	if t.Foot != nil {
		rows = append(rows[:len(rows):len(rows)], *t.Foot)
	}
	for i, row := range rows {
		isFoot := t.Foot != nil && i == len(rows)-1
		for j, c := range row.Cells {
			cell, _ := excelize.CoordinatesToCellName(j+1, headRow+1+i)
			var v any = c.Value
			if v == nil {
				v = c.Text
			}
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				return err
			}
			id, err := style(c.Fill, isFoot)
			if err != nil {
				return err
			}
			if err := f.SetCellStyle(sheet, cell, cell, id); err != nil {
				return err
			}
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: headRow, TopLeftCell: fmt.Sprintf("A%d", headRow+1), ActivePane: "bottomLeft"})
}

func thinBorder() []excelize.Border {
	var b []excelize.Border
	for _, side := range []string{"left", "right", "top", "bottom"} {
		b = append(b, excelize.Border{Type: side, Color: "#CFD6DE", Style: 1})
	}
	return b
}
