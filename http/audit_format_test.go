package apphttp

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
)

// TestAuditDetailChanges checks that a change of the national field set
// shows field by field with the catalog's labels and code labels, and that
// derived indicators are not listed.
func TestAuditDetailChanges(t *testing.T) {
	before := &tuopin.Household{Details: map[string]string{"house_grade": "B", "helper_name": "韦明"},
		Members: []*tuopin.Member{{ID: 7, Name: "韦金福", Details: map[string]string{"school_status": "03"}}}}
	after := &tuopin.Household{Details: map[string]string{"house_grade": "D", "income_wage": "5000.00"},
		Indicators: tuopin.Indicators{UnsafeHouse: true},
		Members:    []*tuopin.Member{{ID: 7, Name: "韦金福", Details: map[string]string{"school_status": "04"}}}}
	b, a, err := tuopin.ChangedFields(before, after)
	if err != nil {
		t.Fatal(err)
	}
	got := auditChanges("zh", tuopin.DefaultCodeSet, b, a)
	var lines []string
	for _, c := range got {
		if c.Lines != nil {
			lines = append(lines, c.Field+": "+strings.Join(c.Lines, "; "))
		} else {
			lines = append(lines, c.Field+": "+c.Before+" → "+c.After)
		}
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{
		"工资性收入(元): — → 5000.00",
		"危房等级: B级 → D级(整幢危房)",
		"帮扶责任人: 韦明 → —",
		"韦金福 · 在校生状况：小学 → 七至九年级",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("changes lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "indicators") || strings.Contains(text, "unsafe") {
		t.Errorf("derived indicators listed:\n%s", text)
	}
	if strings.Index(text, "危房等级") > strings.Index(text, "帮扶责任人") || strings.Index(text, "工资性收入") > strings.Index(text, "危房等级") {
		t.Errorf("details not in catalog order:\n%s", text)
	}
}

// TestAuditFilterCoversStorage reads storage's source for the audit
// entries it writes and checks that the audit page's filters offer every
// action and target kind, each with a label in both languages: a new
// action that the filter lacks could not be found by an auditor.
func TestAuditFilterCoversStorage(t *testing.T) {
	files, err := filepath.Glob("../sqldb/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no storage sources: %v", err)
	}
	re := regexp.MustCompile(`newAuditEntry\(tuopin\.(Action\w+), "(\w+)"`)
	// The values of the root package's Action constants, by name.
	consts := map[string]string{}
	roots, _ := filepath.Glob("../*.go")
	for _, f := range roots {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(Action\w+)\s*=\s*"([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
			consts[m[1]] = m[2]
		}
	}
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen++
			if v, ok := consts[m[1]]; !ok || !slices.Contains(tuopin.AuditActions, v) {
				t.Errorf("%s: action %s (%q) is not in tuopin.AuditActions", f, m[1], v)
			}
			if !slices.Contains(tuopin.AuditTargetKinds, m[2]) {
				t.Errorf("%s: target kind %q is not in tuopin.AuditTargetKinds", f, m[2])
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d audit writes: the pattern no longer matches storage", seen)
	}
	for _, list := range [][]string{tuopin.AuditActions, tuopin.AuditTargetKinds} {
		for _, x := range list {
			key := "action." + x
			if slices.Contains(tuopin.AuditTargetKinds, x) {
				key = "kind." + x
			}
			for _, lang := range []string{"zh", "en"} {
				if _, ok := catalogs[lang][key]; !ok {
					t.Errorf("%s has no %s label", key, lang)
				}
			}
		}
	}
}
