package xlsx_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// now is the validation clock of the tests.
var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// idNumber returns a valid 18-digit ID number.
func idNumber(area string, birth time.Time, seq int) string {
	s := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq%1000)
	return s + string(tuopin.IDCheckChar(s))
}

var villages = []string{"451224104201", "451224104202", "451224102203", "451224100001"}

// household builds the i-th household of a deterministic registry: 1 to
// 6 members (about 3.5 on average), every field filled.
func household(i int) *tuopin.Household {
	n := 1 + (i*7+3)%6
	h := &tuopin.Household{
		Year:            2016,
		Number:          fmt.Sprintf("4512241%08d", i+1),
		AreaCode:        villages[i%len(villages)],
		Attribute:       []string{"01", "04", "06"}[i%3],
		MainCause:       []string{"01", "02", "03", "08", "99"}[i%5],
		IncomePerCapita: tuopin.Money(150000 + (i*7919)%300000),
		Status:          []string{tuopin.StatusPoor, tuopin.StatusExited, tuopin.StatusPreExit}[i%3],
		Phone:           fmt.Sprintf("139%08d", i),
	}
	surnames := []rune("韦黄覃蓝罗陆班牙")
	given := []rune("秀金玉春华明国建红英文志")
	rels := []string{tuopin.RelationHead, "02", "03", "04", "11", "07"}
	for k := 0; k < n; k++ {
		sex := "1"
		if k == 1 || k == 3 {
			sex = "2"
		}
		birth := time.Date(1950+(i+k*13)%60, time.Month(1+(i+k)%12), 1+(i*3+k)%28, 0, 0, 0, 0, time.UTC)
		if k >= 2 {
			birth = time.Date(1985+(i+k)%25, time.Month(1+(i+k)%12), 1+(i+k)%28, 0, 0, 0, 0, time.UTC)
		}
		seq := (i*10 + k*2) % 1000
		if (seq%2 == 1) != (sex == "1") {
			seq = (seq + 1) % 1000
		}
		m := &tuopin.Member{
			Name:      string(surnames[i%len(surnames)]) + string(given[(i+k)%len(given)]) + string(given[(i*5+k*3)%len(given)]),
			Sex:       sex,
			BirthDate: birth,
			IDNumber:  idNumber("451224", birth, seq),
			Relation:  rels[k],
			Education: []string{"01", "02", "03", "04"}[(i+k)%4],
			Health:    []string{"01", "02", "03", "04"}[(i*k+k)%4],
			Skill:     []string{"01", "02", "03", "05"}[(i+2*k)%4],
		}
		h.Members = append(h.Members, m)
	}
	h.Normalize(now)
	return h
}

// encode writes households in a format and layout.
func encode(tb testing.TB, format xlsx.Format, layout xlsx.Layout, hs []*tuopin.Household) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc, err := xlsx.NewHouseholdEncoder(&buf, format, layout, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for _, h := range hs {
		if err := enc.Encode(h); err != nil {
			tb.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// mustOpen opens a file held in memory.
func mustOpen(tb testing.TB, data []byte, opts xlsx.OpenOptions) *xlsx.Workbook {
	tb.Helper()
	wb, err := xlsx.Open(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return wb
}

// mustOpenFile opens a file of testdata.
func mustOpenFile(tb testing.TB, name string) *xlsx.Workbook {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return mustOpen(tb, data, xlsx.OpenOptions{})
}

// decodeAll decodes every household and error of a workbook.
func decodeAll(tb testing.TB, wb *xlsx.Workbook, opts xlsx.DecodeOptions) ([]*tuopin.Household, map[string][]xlsx.RowError, []xlsx.RowError) {
	tb.Helper()
	if opts.Now.IsZero() {
		opts.Now = now
	}
	d, err := xlsx.NewHouseholdDecoder(wb, opts)
	if err != nil {
		tb.Fatal(err)
	}
	defer d.Close()
	var hs []*tuopin.Household
	byNumber := map[string][]xlsx.RowError{}
	var all []xlsx.RowError
	for {
		h, errs, err := d.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		all = append(all, errs...)
		if h != nil {
			hs = append(hs, h)
			byNumber[h.Number] = append(byNumber[h.Number], errs...)
		}
	}
	return hs, byNumber, all
}

// sameHousehold compares what the registry keeps of two households.
func sameHousehold(tb testing.TB, got, want *tuopin.Household) {
	tb.Helper()
	g, w := *got, *want
	if g.Year != w.Year || g.Number != w.Number || g.AreaCode != w.AreaCode || g.HeadName != w.HeadName ||
		g.Size != w.Size || g.Attribute != w.Attribute || g.MainCause != w.MainCause ||
		g.IncomePerCapita != w.IncomePerCapita || g.Status != w.Status || g.Phone != w.Phone {
		tb.Errorf("household %s:\n got %+v\nwant %+v", w.Number, g, w)
	}
	sameDetails(tb, "household "+w.Number, g.Details, w.Details)
	if len(g.Members) != len(w.Members) {
		tb.Fatalf("household %s: %d members, want %d", w.Number, len(g.Members), len(w.Members))
	}
	for i := range w.Members {
		gm, wm := *g.Members[i], *w.Members[i]
		if gm.Name != wm.Name || gm.Sex != wm.Sex || !gm.BirthDate.Equal(wm.BirthDate) || gm.IDNumber != wm.IDNumber ||
			gm.Relation != wm.Relation || gm.Education != wm.Education || gm.Health != wm.Health || gm.Skill != wm.Skill {
			tb.Errorf("household %s member %d:\n got %+v\nwant %+v", w.Number, i, gm, wm)
		}
		sameDetails(tb, fmt.Sprintf("household %s member %d", w.Number, i), gm.Details, wm.Details)
	}
}

// sameDetails compares two details maps; nil and empty are the same.
func sameDetails(tb testing.TB, what string, got, want map[string]string) {
	tb.Helper()
	for k, v := range want {
		if got[k] != v {
			tb.Errorf("%s: details[%s] = %q, want %q", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			tb.Errorf("%s: details[%s] = %q, want it absent", what, k, v)
		}
	}
}
