package tuopin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

func TestCheckYearStart(t *testing.T) {
	now := time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := tuopin.CheckYearStart(2016, 2017, now); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from, to    int
		field, code string
	}{
		{2016, 2016, "to", "not_after"},
		{2016, 2019, "to", "invalid_year"},
		{2012, 2013, "from", "invalid_year"},
	} {
		if got := tuopin.ErrorFields(tuopin.CheckYearStart(c.from, c.to, now))[c.field].Code; got != c.code {
			t.Errorf("%d→%d: %s %q, want %q", c.from, c.to, c.field, got, c.code)
		}
	}
}

func TestErrYearClosed(t *testing.T) {
	err := tuopin.ErrYearClosed(2016, 2017)
	if tuopin.ErrorCode(err) != tuopin.EINVALID || !strings.HasPrefix(tuopin.ErrorMessage(err), "2016 年度已结转到 2017 年度，请修改 2017 年度记录") {
		t.Fatal(err)
	}
	c := &tuopin.CountyYears{Starts: map[int]*tuopin.RegistryYear{2017: {Year: 2017, FromYear: 2016}}}
	if c.ClosedBy(2016) == nil || c.ClosedBy(2017) != nil {
		t.Fatal("ClosedBy")
	}
}
