package xlsx

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// builtinDateFormat reports whether a built-in number format id is a date
// or time format. 14–22 and 45–47 are the international ones; 27–36 and
// 50–58 are the East Asian built-ins that Chinese Excel and WPS use for
// "1985年3月12日" and similar.
func builtinDateFormat(id int) bool {
	return id >= 14 && id <= 22 || id >= 27 && id <= 36 || id >= 45 && id <= 47 || id >= 50 && id <= 58
}

// isDateFormat reports whether a custom number format code formats dates
// or times: it holds y, d, h or s (or m beside them) outside quoted text,
// escapes and [colour] brackets.
func isDateFormat(code string) bool {
	var b strings.Builder
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			for i++; i < len(code) && code[i] != '"'; i++ {
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i:], ']')
			if j < 0 {
				return false
			}
			inner := strings.ToLower(code[i+1 : i+j])
			if inner == "h" || inner == "hh" || inner == "m" || inner == "mm" || inner == "s" || inner == "ss" {
				b.WriteByte('h') // elapsed time
			}
			i += j
		default:
			b.WriteByte(c)
		}
	}
	s := strings.ToLower(b.String())
	if s == "general" || s == "" {
		return false
	}
	return strings.ContainsAny(s, "ydhse") && !strings.Contains(s, "general") && !strings.ContainsAny(s, "#0?")
}

// generalText formats a number the way Excel's General format shows it in
// a normal column: integers up to 11 digits in full, larger or tiny numbers
// in scientific notation with six significant digits ("4.51224E+17"),
// others with up to ten significant digits.
func generalText(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v == math.Trunc(v) && math.Abs(v) < 1e11:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 1e11 || math.Abs(v) < 1e-9:
		s := strconv.FormatFloat(v, 'E', 5, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		return mant + "E" + exp
	}
	digits := 10 - int(math.Floor(math.Log10(math.Abs(v)))) - 1
	if digits < 0 {
		digits = 0
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// rawText is the number as stored, in plain digits when it is an integer
// ("451224198501011000"), so that lost digits show.
func rawText(v float64) string {
	if math.Abs(v) < 1e21 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// SerialToDate converts an Excel date serial to a UTC time. In the 1900
// system serial 1 is 1900-01-01 and serial 60 is the 1900-02-29 that Excel
// counts although it never existed (a Lotus 1-2-3 bug kept for
// compatibility), so serials from 61 on are one day behind; serial 60 is
// refused. In the 1904 system serial 0 is 1904-01-01. The fraction is the
// time of day. ok is false for serials outside 1900–9999 and for 60.
func SerialToDate(serial float64, date1904 bool) (t time.Time, ok bool) {
	if math.IsNaN(serial) || serial < 0 || serial > 2958465 {
		return time.Time{}, false
	}
	days := math.Floor(serial)
	frac := serial - days
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days == 60:
		return time.Time{}, false
	case days < 60:
		if days < 1 {
			return time.Time{}, false
		}
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	t = base.AddDate(0, 0, int(days))
	if frac > 0 {
		t = t.Add(time.Duration(math.Round(frac*86400)) * time.Second)
	}
	return t, true
}

// numberCell builds the Cell of a stored number with its display text.
func numberCell(v float64, raw string, date, date1904 bool) Cell {
	c := Cell{Raw: raw, Value: v, Number: true, Date: date}
	if raw == "" {
		c.Raw = rawText(v)
	}
	if date {
		if t, ok := SerialToDate(v, date1904); ok {
			if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
				c.Text = t.Format("2006-01-02")
			} else {
				c.Text = t.Format("2006-01-02 15:04:05")
			}
			return c
		}
	}
	c.Text = generalText(v)
	return c
}
