package xlsx

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// ErrorReportWriter streams refused rows into an .xlsx report for the user
// to download: one line per RowError with the row, column, header, field,
// value and the reason in Chinese and English.
type ErrorReportWriter struct {
	w    io.Writer
	file *excelize.File
	sw   *excelize.StreamWriter
	text int
	row  int
	vals []any
}

var reportHeaders = []string{"行号 Row", "列 Column", "列名 Header", "户编号 Household", "字段 Field", "值 Value", "原因", "Reason", "代码 Code"}

// NewErrorReportWriter starts an error report written to w on Close.
func NewErrorReportWriter(w io.Writer) (*ErrorReportWriter, error) {
	f := excelize.NewFile()
	const sheet = "错误报告"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4D6"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	if err != nil {
		return nil, err
	}
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	for i, w := range []float64{8, 6, 18, 18, 14, 22, 50, 50, 18} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	r := &ErrorReportWriter{w: w, file: f, sw: sw, text: text, row: 1, vals: make([]any, len(reportHeaders))}
	for i, h := range reportHeaders {
		r.vals[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := sw.SetRow("A1", r.vals); err != nil {
		return nil, err
	}
	return r, nil
}

// Write adds one refused row or cell.
func (r *ErrorReportWriter) Write(e RowError) error {
	r.row++
	var row any
	if e.Row > 0 {
		row = e.Row
	}
	for i, v := range []any{row, e.Column, e.Header, e.Household, e.Field, e.Value, e.ReasonZH, e.Reason, e.Code} {
		if s, ok := v.(string); ok && s == "" || v == nil {
			r.vals[i] = nil
			continue
		}
		r.vals[i] = excelize.Cell{StyleID: r.text, Value: v}
	}
	cell, _ := excelize.CoordinatesToCellName(1, r.row)
	return r.sw.SetRow(cell, r.vals)
}

// Close finishes the report and writes it to w.
func (r *ErrorReportWriter) Close() error {
	if err := r.sw.Flush(); err != nil {
		return err
	}
	if err := r.file.Write(r.w); err != nil {
		return err
	}
	return r.file.Close()
}

// WriteErrorReport writes a whole list of refused rows as an .xlsx report.
func WriteErrorReport(w io.Writer, errs []RowError) error {
	r, err := NewErrorReportWriter(w)
	if err != nil {
		return err
	}
	for _, e := range errs {
		if err := r.Write(e); err != nil {
			return err
		}
	}
	return r.Close()
}
