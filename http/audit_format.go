package apphttp

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// auditRow is an audit entry prepared for display: the action's label, a
// link to its target, and its before/after objects as readable changes.
type auditRow struct {
	*tuopin.AuditEntry
	TargetURL string
	Changes   []change
}

// change is one changed field: "收入 3,000.00 → 4,200.00". Member list
// changes are listed line by line instead ("+ 张三", "李四: 身份证号 … → …").
type change struct {
	Field  string
	Before string
	After  string
	Lines  []string
}

// auditHiddenKeys are bookkeeping fields not worth showing as changes.
var auditHiddenKeys = map[string]bool{
	"id": true, "version": true, "created_at": true, "updated_at": true,
	"household_id": true, "last_login_at": true,
	// indicators are derived from the other fields on every write.
	"indicators": true,
}

// auditKeyOrder puts the fields people look for first.
var auditKeyOrder = []string{
	"status", "area_code", "number", "year", "head_name", "size", "attribute", "main_cause",
	"income_per_capita", "phone", "members", "username", "name", "role", "scope", "disabled",
}

// auditCodeKinds names the code table behind a field, for labels.
var auditCodeKinds = map[string]string{
	"status": tuopin.CodeStatus, "attribute": tuopin.CodeAttribute, "main_cause": tuopin.CodeCause,
	"sex": tuopin.CodeSex, "relation": tuopin.CodeRelation, "education": tuopin.CodeEducation,
	"health": tuopin.CodeHealth, "skill": tuopin.CodeSkill,
}

func formatAudit(lang string, codes *tuopin.CodeSet, entries []*tuopin.AuditEntry) []*auditRow {
	rows := make([]*auditRow, 0, len(entries))
	for _, e := range entries {
		row := &auditRow{AuditEntry: e, Changes: auditChanges(lang, codes, e.Before, e.After)}
		switch e.TargetKind {
		case "household":
			row.TargetURL = "/households/" + e.TargetID
		case "user":
			row.TargetURL = "/users/" + e.TargetID + "/edit"
		}
		rows = append(rows, row)
	}
	return rows
}

// auditChanges lists the fields of two JSON objects as changes. Either may
// be null (a create has no before), which lists nothing: the record
// itself shows what it holds. Unparseable input yields no changes either:
// the raw entry is still in the API.
func auditChanges(lang string, codes *tuopin.CodeSet, before, after json.RawMessage) []change {
	var b, a map[string]json.RawMessage
	if err := json.Unmarshal(before, &b); err != nil || b == nil {
		// A create: the record itself shows what it holds.
		return nil
	}
	_ = json.Unmarshal(after, &a)
	var keys []string
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y string) int {
		ix, iy := slices.Index(auditKeyOrder, x), slices.Index(auditKeyOrder, y)
		if ix < 0 {
			ix = len(auditKeyOrder)
		}
		if iy < 0 {
			iy = len(auditKeyOrder)
		}
		if ix != iy {
			return ix - iy
		}
		return strings.Compare(x, y)
	})
	var out []change
	for _, k := range keys {
		if auditHiddenKeys[k] {
			continue
		}
		if k == "details" {
			out = append(out, detailChanges(lang, codes, tuopin.HouseholdFieldDefs, b[k], a[k])...)
			continue
		}
		c := change{Field: fieldName(lang, k)}
		if k == "members" {
			c.Lines = memberChanges(lang, codes, b[k], a[k])
			if len(c.Lines) == 0 {
				continue
			}
		} else {
			c.Before = auditValue(lang, codes, k, b[k])
			c.After = auditValue(lang, codes, k, a[k])
		}
		out = append(out, c)
	}
	return out
}

// auditValue renders one JSON value of a field for people: code labels,
// yuan, dates, yes/no; "—" for nothing.
func auditValue(lang string, codes *tuopin.CodeSet, key string, raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return "—"
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case string:
		if kind, ok := auditCodeKinds[key]; ok && codes != nil {
			return codes.Label(kind, x, lang)
		}
		if key == "role" {
			return translate(lang, "role."+x)
		}
		if t, err := time.Parse(time.RFC3339, x); err == nil {
			if key == "birth_date" {
				return t.UTC().Format(tuopin.DateLayout)
			}
			return t.In(displayZone).Format("2006-01-02 15:04")
		}
		return x
	case float64:
		if key == "income_per_capita" {
			return formatYuan(tuopin.Money(x))
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return translate(lang, "common.yes")
		}
		return translate(lang, "common.no")
	}
	return string(raw)
}

// memberChanges compares two member lists by member ID: added, removed,
// and changed fields of kept members.
func memberChanges(lang string, codes *tuopin.CodeSet, before, after json.RawMessage) []string {
	var b, a []map[string]json.RawMessage
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	name := func(m map[string]json.RawMessage) string {
		var s string
		_ = json.Unmarshal(m["name"], &s)
		return s
	}
	id := func(m map[string]json.RawMessage) string { return string(m["id"]) }
	old := make(map[string]map[string]json.RawMessage, len(b))
	for _, m := range b {
		old[id(m)] = m
	}
	var lines []string
	seen := map[string]bool{}
	for _, m := range a {
		prev, ok := old[id(m)]
		if !ok || id(m) == "0" || id(m) == "" {
			lines = append(lines, "+ "+name(m))
			continue
		}
		seen[id(m)] = true
		var fields []string
		for k, v := range m {
			if auditHiddenKeys[k] || bytes.Equal(v, prev[k]) {
				continue
			}
			fields = append(fields, k)
		}
		slices.Sort(fields)
		for _, k := range fields {
			if k == "details" {
				for _, c := range detailChanges(lang, codes, tuopin.MemberFieldDefs, prev[k], m[k]) {
					lines = append(lines, name(m)+" · "+c.Field+translate(lang, "common.colon")+c.Before+" → "+c.After)
				}
				continue
			}
			lines = append(lines, name(m)+" · "+fieldName(lang, k)+translate(lang, "common.colon")+
				auditValue(lang, codes, k, prev[k])+" → "+auditValue(lang, codes, k, m[k]))
		}
	}
	for _, m := range b {
		if !seen[id(m)] {
			lines = append(lines, "− "+name(m))
		}
	}
	return lines
}

// detailChanges lists the changed fields of two details objects (the
// national field set, fields.go) with the catalog's labels and values as
// people read them, in catalog order; keys the catalog lacks come last,
// as they are.
func detailChanges(lang string, codes *tuopin.CodeSet, defs []tuopin.FieldDef, before, after json.RawMessage) []change {
	var b, a map[string]string
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	show := func(f tuopin.FieldDef, v string) string {
		if v == "" {
			return "—"
		}
		if codes != nil {
			return f.Display(v, codes, lang)
		}
		return v
	}
	var out []change
	known := map[string]bool{}
	for _, f := range defs {
		known[f.Key] = true
		if b[f.Key] != a[f.Key] {
			out = append(out, change{Field: f.Title(lang), Before: show(f, b[f.Key]), After: show(f, a[f.Key])})
		}
	}
	var rest []string
	for _, m := range []map[string]string{b, a} {
		for k := range m {
			if !known[k] && b[k] != a[k] && !slices.Contains(rest, k) {
				rest = append(rest, k)
			}
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		f := tuopin.FieldDef{Key: k}
		out = append(out, change{Field: k, Before: show(f, b[k]), After: show(f, a[k])})
	}
	return out
}
