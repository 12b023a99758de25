package main_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/tuopin/tuopin"
)

// TestCLIAuditCheckpoint drives keygen, checkpoint and verify through the
// binary, and tampers with the database behind its back as an insider
// with write access would: the tail deleted and audit_head set back, an
// entry rewritten with every later hash recomputed, everything deleted, a
// time stored in another form.
func TestCLIAuditCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys", "dl")
	must(t, os.MkdirAll(filepath.Dir(keys), 0o700))
	r := run(t, "audit", "keygen", "--name", "dl.gx.example/tuopin", "--out", keys)
	if r.code != 0 || !strings.Contains(r.stdout, "dl.gx.example/tuopin+") {
		t.Fatalf("keygen: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st, err := os.Stat(keys + ".key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key file: %v %v", st.Mode(), err)
	}
	if r := run(t, "audit", "keygen", "--name", "dl.gx.example/tuopin", "--out", keys); r.code != 1 || !strings.Contains(r.stderr, "exists already") {
		t.Fatalf("keygen over a key: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "audit", "keygen", "--name", "a b", "--out", filepath.Join(dir, "x")); r.code != 1 || !strings.Contains(r.stderr, "cannot name an audit log") {
		t.Fatalf("keygen bad name: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	key, pub := keys+".key", keys+".pub"

	// newLog makes a data folder whose audit log holds 4 entries (an area
	// import and three users) and a checkpoint of it, then appends a 5th.
	n := 0
	newLog := func(t *testing.T) (data, cp string) {
		t.Helper()
		n++
		data = filepath.Join(dir, fmt.Sprint("data", n))
		if r := run(t, "areas", "import", "--data", data, "../../divisions/data/provinces.csv"); r.code != 0 {
			t.Fatalf("areas: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		user := func(i int) {
			r := run(t, "user", "create", "--data", data, "--username", fmt.Sprint("user", i), "--name", "某", "--role", "viewer", "--scope", "45")
			if r.code != 0 {
				t.Fatalf("user: %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		}
		for i := range 3 {
			user(i)
		}
		cp = filepath.Join(dir, fmt.Sprint("checkpoint", n))
		r := run(t, "audit", "checkpoint", "--data", data, "--key", key, "--out", cp)
		if r.code != 0 || !strings.Contains(r.stdout, "checkpoint of dl.gx.example/tuopin: 4 entries") {
			t.Fatalf("checkpoint: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		user(3)
		return data, cp
	}
	verify := func(t *testing.T, args ...string) result {
		t.Helper()
		return run(t, append([]string{"audit", "verify"}, args...)...)
	}
	wantFail := func(t *testing.T, r result, substr string) {
		t.Helper()
		if r.code != 1 || !strings.Contains(r.stderr, substr) {
			t.Fatalf("want exit 1 with %q: %d\n%s%s", substr, r.code, r.stdout, r.stderr)
		}
	}
	open := func(t *testing.T, data string) *sql.DB {
		t.Helper()
		db, err := sql.Open("sqlite", filepath.Join(data, "tuopin.db"))
		must(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	exec := func(t *testing.T, db *sql.DB, query string, args ...any) {
		t.Helper()
		_, err := db.Exec(query, args...)
		must(t, err)
	}

	t.Run("OK", func(t *testing.T) {
		data, cp := newLog(t)
		r := verify(t, "--data", data, "--checkpoint", cp, "--key", pub)
		if r.code != 0 || !strings.Contains(r.stdout, "audit chain OK: 5 entries verified") ||
			!strings.Contains(r.stdout, "extends the checkpoint of dl.gx.example/tuopin: 4 entries") || strings.Contains(r.stderr, "warning") {
			t.Fatalf("verify: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// Without a pinned key the checkpoint's own key is used, with a
		// warning; without a checkpoint the blind spot is named.
		if r := verify(t, "--data", data, "--checkpoint", cp); r.code != 0 || !strings.Contains(r.stderr, "warning: no --key given") {
			t.Fatalf("unpinned: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if r := verify(t, "--data", data); r.code != 0 || !strings.Contains(r.stdout, "no checkpoint given") {
			t.Fatalf("no checkpoint: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// The next day's checkpoint, from the key named in a config file,
		// must extend the last one.
		conf := filepath.Join(dir, "tuopin.conf")
		must(t, os.WriteFile(conf, []byte("audit_key = "+key+"\n"), 0o600))
		next := cp + ".next"
		r = run(t, "audit", "checkpoint", "--data", data, "--config", conf, "--previous", cp, "--out", next)
		if r.code != 0 || !strings.Contains(r.stdout, "5 entries") || !strings.Contains(r.stdout, "extends "+cp+" (4 entries)") {
			t.Fatalf("next checkpoint: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if r := run(t, "audit", "checkpoint", "--data", data, "--key", key, "--out", next); r.code != 1 || !strings.Contains(r.stderr, "exists already") {
			t.Fatalf("checkpoint over a kept one: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// To standard output, and a warning for a key kept in the data folder.
		inData := filepath.Join(data, "audit.key")
		b, err := os.ReadFile(key)
		must(t, err)
		must(t, os.WriteFile(inData, b, 0o600))
		r = run(t, "audit", "checkpoint", "--data", data, "--key", inData)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "dl.gx.example/tuopin\n5\n") || !strings.Contains(r.stderr, "lies in the data folder") {
			t.Fatalf("checkpoint to stdout: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if r := run(t, "audit", "checkpoint", "--data", data); r.code != 2 || !strings.Contains(r.stderr, "--key (or TUOPIN_AUDIT_KEY) is required") {
			t.Fatalf("no key: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("ErrTailDeleted", func(t *testing.T) {
		data, cp := newLog(t)
		db := open(t, data)
		exec(t, db, `DELETE FROM audit_log WHERE id > 3`)
		exec(t, db, `UPDATE audit_head SET last_id = 3, last_hash = (SELECT hash FROM audit_log WHERE id = 3)`)
		if r := verify(t, "--data", data); r.code != 0 {
			t.Fatalf("the chain alone: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		wantFail(t, verify(t, "--data", data, "--checkpoint", cp, "--key", pub),
			"audit log does NOT extend the checkpoint, from entry 4: entries 4 to 4 are missing: the log holds 3 entries")
		// Nor is a new checkpoint signed over the cut log.
		wantFail(t, run(t, "audit", "checkpoint", "--data", data, "--key", key, "--previous", cp), "no checkpoint signed: audit log does NOT extend the checkpoint")
	})

	t.Run("ErrRewritten", func(t *testing.T) {
		data, cp := newLog(t)
		db := open(t, data)
		rows, err := db.Query(`SELECT id, time, actor_id, actor_name, action, target_kind, target_id, area_code, reason, before, after FROM audit_log ORDER BY id`)
		must(t, err)
		var es []*tuopin.AuditEntry
		for rows.Next() {
			var e tuopin.AuditEntry
			var tm string
			var before, after sql.NullString
			must(t, rows.Scan(&e.ID, &tm, &e.ActorID, &e.ActorName, &e.Action, &e.TargetKind, &e.TargetID, &e.AreaCode, &e.Reason, &before, &after))
			e.Time, err = time.Parse(tuopin.AuditTimeLayout, tm)
			must(t, err)
			if before.Valid {
				e.Before = []byte(before.String)
			}
			if after.Valid {
				e.After = []byte(after.String)
			}
			es = append(es, &e)
		}
		must(t, rows.Err())
		prev := ""
		for _, e := range es {
			if e.ID == 2 {
				e.ActorName = "someone else"
			}
			e.PrevHash = prev
			e.Hash = e.ComputeHash()
			prev = e.Hash
			exec(t, db, `UPDATE audit_log SET actor_name = ?, prev_hash = ?, hash = ? WHERE id = ?`, e.ActorName, e.PrevHash, e.Hash, e.ID)
		}
		exec(t, db, `UPDATE audit_head SET last_hash = ?`, prev)
		if r := verify(t, "--data", data); r.code != 0 {
			t.Fatalf("the chain alone: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		wantFail(t, verify(t, "--data", data, "--checkpoint", cp, "--key", pub),
			"audit log does NOT extend the checkpoint: entries 1 to 4 no longer have the root")
	})

	t.Run("ErrDeletedAll", func(t *testing.T) {
		data, cp := newLog(t)
		db := open(t, data)
		exec(t, db, `DELETE FROM audit_log`)
		exec(t, db, `UPDATE audit_head SET last_id = 0, last_hash = ''`)
		if r := verify(t, "--data", data); r.code != 0 || !strings.Contains(r.stdout, "OK: 0 entries") {
			t.Fatalf("the chain alone: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		wantFail(t, verify(t, "--data", data, "--checkpoint", cp, "--key", pub), "entries 1 to 4 are missing: the log holds 0 entries")
	})

	t.Run("ErrTimeFormat", func(t *testing.T) {
		data, _ := newLog(t)
		exec(t, open(t, data), `UPDATE audit_log SET time = '2016-07-20 10:00:00' WHERE id = 2`)
		wantFail(t, verify(t, "--data", data), `audit chain BROKEN at entry 2: entry 2 has its time stored as "2016-07-20 10:00:00"`)
	})

	t.Run("ErrCheckpoint", func(t *testing.T) {
		data, cp := newLog(t)
		b, err := os.ReadFile(cp)
		must(t, err)
		// A checkpoint edited after signing (its size lowered to what a
		// cut log holds).
		edited := filepath.Join(dir, "edited")
		must(t, os.WriteFile(edited, []byte(strings.Replace(string(b), "\n4\n", "\n3\n", 1)), 0o644))
		wantFail(t, verify(t, "--data", data, "--checkpoint", edited, "--key", pub), "the checkpoint was altered after it was signed")
		// A checkpoint of another key, pinned against ours.
		other := filepath.Join(dir, "other")
		if r := run(t, "audit", "keygen", "--name", "dl.gx.example/tuopin", "--out", other); r.code != 0 {
			t.Fatalf("keygen: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		forged := filepath.Join(dir, "forged")
		if r := run(t, "audit", "checkpoint", "--data", data, "--key", other+".key", "--out", forged); r.code != 0 {
			t.Fatalf("checkpoint: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		wantFail(t, verify(t, "--data", data, "--checkpoint", forged, "--key", pub), "not the pinned key")
		wantFail(t, verify(t, "--data", data, "--checkpoint", cp, "--key", key), "This is a private key")
		wantFail(t, verify(t, "--data", data, "--checkpoint", filepath.Join(dir, "missing")), "no such file")
		if r := verify(t, "--data", data, "--key", pub); r.code != 2 {
			t.Fatalf("--key without --checkpoint: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
}
