package tuopin_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

func TestAuditHash(t *testing.T) {
	e := &tuopin.AuditEntry{ID: 7, Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), ActorID: 3, ActorName: "韦文",
		Action: tuopin.ActionHouseholdUpdate, TargetKind: "household", TargetID: "12", AreaCode: "451224102203",
		Reason: "入户核实", Before: json.RawMessage(`{"phone":""}`), After: json.RawMessage(`{"phone":"13800000000"}`), PrevHash: "abc"}
	h := e.ComputeHash()
	if len(h) != 64 || h != e.ComputeHash() {
		t.Fatalf("hash %q not stable", h)
	}
	// Every field is covered: changing any one changes the hash.
	for name, change := range map[string]func(x *tuopin.AuditEntry){
		"id": func(x *tuopin.AuditEntry) { x.ID++ }, "time": func(x *tuopin.AuditEntry) { x.Time = x.Time.Add(time.Microsecond) },
		"actor": func(x *tuopin.AuditEntry) { x.ActorID = 4 }, "actor_name": func(x *tuopin.AuditEntry) { x.ActorName = "x" },
		"action": func(x *tuopin.AuditEntry) { x.Action = "x" }, "kind": func(x *tuopin.AuditEntry) { x.TargetKind = "x" },
		"target": func(x *tuopin.AuditEntry) { x.TargetID = "13" }, "area": func(x *tuopin.AuditEntry) { x.AreaCode = "x" },
		"reason": func(x *tuopin.AuditEntry) { x.Reason = "" }, "before": func(x *tuopin.AuditEntry) { x.Before = nil },
		"after": func(x *tuopin.AuditEntry) { x.After = json.RawMessage(`{}`) }, "prev": func(x *tuopin.AuditEntry) { x.PrevHash = "abd" },
	} {
		c := *e
		change(&c)
		if c.ComputeHash() == h {
			t.Errorf("changing %s keeps the hash", name)
		}
	}
	// Length prefixes keep field boundaries: moving a character between
	// adjacent fields changes the hash.
	a, b := *e, *e
	a.TargetKind, a.TargetID = "household1", "2"
	b.TargetKind, b.TargetID = "household", "12"
	if a.ComputeHash() == b.ComputeHash() {
		t.Error("field boundaries not hashed")
	}
}

func TestChangedFields(t *testing.T) {
	type rec struct {
		A string `json:"a"`
		B int    `json:"b"`
		C []int  `json:"c"`
	}
	before, after, err := tuopin.ChangedFields(rec{"x", 1, []int{1}}, rec{"x", 2, []int{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != `{"b":1,"c":[1]}` || string(after) != `{"b":2,"c":[1,2]}` {
		t.Fatalf("before=%s after=%s", before, after)
	}
	before, after, _ = tuopin.ChangedFields(nil, rec{"x", 1, nil})
	if string(before) != "null" || string(after) != `{"a":"x","b":1,"c":null}` {
		t.Fatalf("create: before=%s after=%s", before, after)
	}
}

func TestErrors(t *testing.T) {
	var f tuopin.Fields
	if f.Err() != nil {
		t.Fatal("empty fields give an error")
	}
	f.Add("a", "required", "A is required.")
	f.Add("a", "other", "ignored")
	f.Merge("members[0].", map[string]tuopin.FieldError{"name": {Code: "required", Message: "Name is required."}})
	err := f.Err()
	if tuopin.ErrorCode(err) != tuopin.EINVALID || tuopin.ErrorFields(err)["a"].Code != "required" || tuopin.ErrorFields(err)["members[0].name"].Code != "required" {
		t.Fatalf("err = %v", err)
	}
	if tuopin.ErrorCode(json.Unmarshal([]byte("{"), &f)) != tuopin.EINTERNAL || tuopin.ErrorMessage(errPlain{}) != "Internal error." {
		t.Fatal("plain errors not internal")
	}
	if tuopin.ErrorCode(nil) != "" || tuopin.ErrorCode(tuopin.NotFound("household")) != tuopin.ENOTFOUND {
		t.Fatal("codes wrong")
	}
}

type errPlain struct{}

func (errPlain) Error() string { return "db is down at 10.0.0.1" }
