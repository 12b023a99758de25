package jobs

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// sourceKey identifies a file's layout: its sheet name and the
// fingerprint of its normalised header texts. Files of one template share
// it, whatever their data.
func sourceKey(sheet, fingerprint string) string {
	h := sha256.New()
	h.Write([]byte(xlsx.NormalizeHeader(sheet)))
	h.Write([]byte{0x1f})
	h.Write([]byte(fingerprint))
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// toRootMapping and toXLSXMapping convert between the root package's copy
// of a mapping (what jobs store) and the spreadsheet layer's.
func toRootMapping(m *xlsx.Mapping) *tuopin.ImportMapping {
	if m == nil {
		return nil
	}
	out := &tuopin.ImportMapping{HeaderRow: m.HeaderRow, HeaderRows: m.HeaderRows, Fingerprint: m.Fingerprint,
		Columns: make([]tuopin.ImportColumn, len(m.Columns))}
	for i, c := range m.Columns {
		out.Columns[i] = tuopin.ImportColumn{Index: c.Index, Letter: c.Letter, Header: c.Header, Field: c.Field, Status: c.Status, Marked: c.Marked}
	}
	return out
}

func toXLSXMapping(m *tuopin.ImportMapping) *xlsx.Mapping {
	out := &xlsx.Mapping{HeaderRow: m.HeaderRow, HeaderRows: m.HeaderRows, Fingerprint: m.Fingerprint,
		Columns: make([]xlsx.MappedColumn, len(m.Columns))}
	for i, c := range m.Columns {
		out.Columns[i] = xlsx.MappedColumn{Index: c.Index, Letter: c.Letter, Header: c.Header, Field: c.Field, Status: c.Status, Marked: c.Marked}
	}
	return out
}

// rowErrorOf converts a RowError of the decoder.
func rowErrorOf(e xlsx.RowError) tuopin.ImportRowError {
	return tuopin.ImportRowError{Row: e.Row, Column: e.Column, Header: e.Header, Field: e.Field, Value: e.Value,
		Household: e.Household, Code: e.Code, Reason: e.Reason, ReasonZH: e.ReasonZH}
}

func xlsxRowError(e tuopin.ImportRowError) xlsx.RowError {
	return xlsx.RowError{Row: e.Row, Column: e.Column, Header: e.Header, Field: e.Field, Value: e.Value,
		Household: e.Household, Code: e.Code, Reason: e.Reason, ReasonZH: e.ReasonZH}
}
