package tuopin_test

import (
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

func TestEventKindForMove(t *testing.T) {
	for _, c := range []struct{ from, to, want string }{
		{tuopin.StatusPoor, tuopin.StatusPreExit, tuopin.EventPreExit},
		{tuopin.StatusPreExit, tuopin.StatusExited, tuopin.EventExited},
		{tuopin.StatusPreExit, tuopin.StatusPoor, tuopin.EventReverted},
		{tuopin.StatusExited, tuopin.StatusExitedDone, tuopin.EventExitConfirmed},
		{tuopin.StatusExitedDone, tuopin.StatusReturned, tuopin.EventReturned},
		{tuopin.StatusReturned, tuopin.StatusPoor, tuopin.EventStatusChanged},
	} {
		if got := tuopin.EventKindForMove(c.from, c.to); got != c.want {
			t.Errorf("%s → %s: %s, want %s", c.from, c.to, got, c.want)
		}
	}
	// Every move StatusTransitions allows has a kind with a label, and
	// every kind a label in both languages.
	for from, tos := range tuopin.StatusTransitions {
		for _, to := range tos {
			if k := tuopin.EventKindForMove(from, to); !tuopin.IsStatusEvent(k) {
				t.Errorf("%s → %s gives %s, not a status event", from, to, k)
			}
		}
	}
	for _, k := range tuopin.EventKinds {
		if l := tuopin.EventKindLabels[k]; l[0] == "" || l[1] == "" {
			t.Errorf("kind %s has no label", k)
		}
	}
	if tuopin.EventKindLabel(tuopin.EventMonitored, "zh") != "标识监测对象" || tuopin.EventKindLabel(tuopin.EventMonitored, "en") != "Marked for monitoring" {
		t.Error("labels")
	}
}

func TestCheckEventDate(t *testing.T) {
	// 2017-01-01 02:00 in China is still 2016-12-31 in UTC.
	now := time.Date(2016, 12, 31, 18, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		date string
		year int
		want string
		code string
	}{
		{"", 2016, "2017-01-01", ""},
		{" 2016-09-01 ", 2016, "2016-09-01", ""},
		{"2017-01-01", 2017, "2017-01-01", ""},
		{"2017-01-02", 2017, "", "date_future"},
		{"2015-12-31", 2016, "", "date_before_year"},
		{"2016-02-30", 2016, "", "invalid_date"},
		{"2016/09/01", 2016, "", "invalid_date"},
	} {
		got, err := tuopin.CheckEventDate(c.date, c.year, now)
		if code := tuopin.ErrorFields(err)["date"].Code; got != c.want || code != c.code {
			t.Errorf("CheckEventDate(%q, %d) = %q, %v; want %q, %s", c.date, c.year, got, err, c.want, c.code)
		}
	}
}

func TestEventInputValidate(t *testing.T) {
	if err := (&tuopin.EventInput{Kind: tuopin.EventMonitored}).Validate(); err != nil {
		t.Fatal(err)
	}
	for _, in := range []tuopin.EventInput{{Kind: tuopin.EventExited}, {Kind: "visit"}, {Kind: tuopin.EventNote}} {
		if tuopin.ErrorCode(in.Validate()) != tuopin.EINVALID {
			t.Errorf("%+v passes", in)
		}
	}
}
