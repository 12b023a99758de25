package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/tuopin/tuopin"
)

var _ tuopin.AuditService = (*AuditService)(nil)

// AuditService reads and verifies the audit log. Entries are appended by
// the other services, in their own transactions, through Tx.appendAudit.
type AuditService struct {
	db *DB
}

// NewAuditService returns the audit service of db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// auditColumns lists audit_log's columns in the order of scanAudit.
const auditColumns = `id, time, actor_id, actor_name, action, target_kind, target_id, area_code, reason, before, after, prev_hash, hash`

// appendAudit appends entries to the chain. Time and actor come from the
// transaction; ID, PrevHash and Hash are assigned here.
//
// The single audit_head row is updated first: on PostgreSQL its row lock
// holds any other writer's append until this transaction ends, so IDs are
// contiguous and each entry links to the one committed before it. On
// SQLite the write transaction is already exclusive.
func (tx *Tx) appendAudit(ctx context.Context, entries ...*tuopin.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var lastID int64
	var lastHash string
	if err := tx.QueryRowContext(ctx, `
		UPDATE audit_head SET last_id = last_id + ? WHERE id = 1
		RETURNING last_id, last_hash`, len(entries)).Scan(&lastID, &lastHash); err == sql.ErrNoRows {
		return errors.New("sqldb: the audit_head row is missing: the audit log cannot be appended to")
	} else if err != nil {
		return tx.db.formatError(err)
	}
	id := lastID - int64(len(entries))
	for _, e := range entries {
		id++
		e.ID = id
		e.Time = tx.now
		e.ActorID = tx.user.ID
		e.ActorName = actorName(tx.user)
		e.PrevHash = lastHash
		e.Hash = e.ComputeHash()
		lastHash = e.Hash
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_hash = ? WHERE id = 1`, lastHash); err != nil {
		return err
	}
	const cols = 13
	return tx.insertRows(ctx, "INSERT INTO audit_log ("+auditColumns+") VALUES ", cols, "", len(entries), func(i int, args []any) []any {
		e := entries[i]
		return append(args, e.ID, formatTime(e.Time), e.ActorID, e.ActorName, e.Action, e.TargetKind,
			e.TargetID, e.AreaCode, e.Reason, nullJSON(e.Before), nullJSON(e.After), e.PrevHash, e.Hash)
	}, nil)
}

// newAuditEntry builds an entry with the changed fields of before and after
// (before nil for a create).
func newAuditEntry(action, kind, id, area, reason string, before, after any) (*tuopin.AuditEntry, error) {
	b, a, err := tuopin.ChangedFields(before, after)
	if err != nil {
		return nil, fmt.Errorf("sqldb: audit %s: %w", action, err)
	}
	return &tuopin.AuditEntry{Action: action, TargetKind: kind, TargetID: id, AreaCode: area, Reason: reason, Before: b, After: a}, nil
}

func nullJSON(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// scanAuditRow reads an audit_log row as stored, leaving its time as the
// stored text for the caller to parse.
func scanAuditRow(rows *sql.Rows) (*tuopin.AuditEntry, string, error) {
	var e tuopin.AuditEntry
	var t string
	var before, after sql.NullString
	if err := rows.Scan(&e.ID, &t, &e.ActorID, &e.ActorName, &e.Action, &e.TargetKind, &e.TargetID,
		&e.AreaCode, &e.Reason, &before, &after, &e.PrevHash, &e.Hash); err != nil {
		return nil, "", err
	}
	if before.Valid {
		e.Before = json.RawMessage(before.String)
	}
	if after.Valid {
		e.After = json.RawMessage(after.String)
	}
	return &e, t, nil
}

func scanAudit(rows *sql.Rows) (*tuopin.AuditEntry, error) {
	e, t, err := scanAuditRow(rows)
	if err != nil {
		return nil, err
	}
	if e.Time, err = parseTime(t); err != nil {
		return nil, fmt.Errorf("sqldb: audit entry %d: %w", e.ID, err)
	}
	return e, nil
}

// FindAuditEntries lists entries whose area lies in the caller's scope,
// newest first, with the total count. Returns EUNAUTHORIZED without a user
// and EFORBIDDEN unless the role may view the audit log.
func (s *AuditService) FindAuditEntries(ctx context.Context, filter tuopin.AuditFilter) ([]*tuopin.AuditEntry, int, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, 0, errNoUser
	}
	if !u.Role.CanViewAudit() {
		return nil, 0, tuopin.Errorf(tuopin.EFORBIDDEN, "You may not view the audit log.")
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()

	where, args := []string{"1 = 1"}, []any{}
	if p, a := scopeRange("area_code", u.Scope); p != "" {
		where, args = append(where, p), append(args, a...)
	}
	if v := filter.TargetKind; v != nil {
		where, args = append(where, "target_kind = ?"), append(args, *v)
	}
	if v := filter.TargetID; v != nil {
		where, args = append(where, "target_id = ?"), append(args, *v)
	}
	if v := filter.ActorID; v != nil {
		where, args = append(where, "actor_id = ?"), append(args, *v)
	}
	if v := filter.Action; v != nil {
		where, args = append(where, "action = ?"), append(args, *v)
	}
	cond := strings.Join(where, " AND ")

	return findPage(ctx, tx, "audit_log", auditColumns, cond, args, filter.Limit, filter.Offset, scanAudit)
}

// VerifyAuditChain walks every entry in ID order, streaming, and checks
// that IDs run 1, 2, 3 … without gaps, that each time is stored in its one
// form, that each hash is the hash of the entry's fields, that each entry
// links to the previous one's hash, and that the last entry is the one
// audit_head records. It reports the first bad entry and, when the chain
// is whole, the tree hash of the log. Only an admin may call it
// (EUNAUTHORIZED, EFORBIDDEN).
//
// The chain alone cannot catch someone who can write the database: they
// can delete the tail and set audit_head back, or rewrite an entry and
// recompute every later hash. VerifyAuditLog with a checkpoint kept
// elsewhere can.
func (s *AuditService) VerifyAuditChain(ctx context.Context) (*tuopin.AuditReport, error) {
	return s.VerifyAuditLog(ctx, nil)
}

// VerifyAuditLog checks the chain as VerifyAuditChain does and, with a
// checkpoint, that the log extends it: that the log still holds the
// checkpoint's Size entries, and that a consistency proof from that size
// to the log's, computed from the entries as they are now, leads to both
// the checkpoint's root and the log's. The checkpoint's signature is the
// caller's to check (tuopin.OpenCheckpoint): this compares the database
// with what the checkpoint states. Only an admin may call it
// (EUNAUTHORIZED, EFORBIDDEN).
func (s *AuditService) VerifyAuditLog(ctx context.Context, cp *tuopin.Checkpoint) (*tuopin.AuditReport, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	if u.Role != tuopin.RoleAdmin {
		return nil, tuopin.Errorf(tuopin.EFORBIDDEN, "Only an administrator may verify the audit log.")
	}
	// One read transaction: the entries, their count and the head come
	// from one snapshot even while writers append.
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	var headID int64
	var headHash string
	if err := tx.QueryRowContext(ctx, `SELECT last_id, last_hash FROM audit_head WHERE id = 1`).Scan(&headID, &headHash); err != nil {
		return nil, s.db.formatError(err)
	}
	// The proof's ranges depend on the log's size, known before the walk
	// so that their hashes are computed as the entries stream past.
	var ranges []tuopin.LeafRange
	var n int64
	if cp != nil {
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
			return nil, s.db.formatError(err)
		}
		if n >= cp.Size {
			if ranges, err = tuopin.ConsistencyRanges(cp.Size, n); err != nil {
				return nil, err
			}
		}
	}
	w := &treeWalk{ranges: tuopin.NewRangeHasher(ranges)}
	rep, err := verifyRows(ctx, tx, headID, headHash, w)
	if err != nil {
		return nil, s.db.formatError(err)
	}
	if !rep.OK {
		return rep, nil
	}
	rep.Root = w.all.Root()
	if cp != nil {
		if int64(rep.Entries) != n {
			// The snapshot makes this impossible; were it not, the proof
			// would be of another size and fail as if rewritten.
			return nil, fmt.Errorf("sqldb: the audit log held %d entries when counted and %d when walked", n, rep.Entries)
		}
		checkExtends(rep, cp, w)
	}
	return rep, nil
}

// treeWalk hashes the leaves of the log as verifyRows walks it: the whole
// tree, and the ranges of a consistency proof.
type treeWalk struct {
	all    tuopin.TreeBuilder
	ranges *tuopin.RangeHasher
}

func (w *treeWalk) append(leaf tuopin.TreeHash) {
	w.all.Append(leaf)
	w.ranges.Append(leaf)
}

// checkExtends checks that the walked log, whose chain is whole, extends
// the checkpoint, and turns rep into a failure naming what does not hold.
func checkExtends(rep *tuopin.AuditReport, cp *tuopin.Checkpoint, w *treeWalk) {
	rep.Checkpoint = cp
	n := int64(rep.Entries)
	signed := "the checkpoint"
	if !cp.Time.IsZero() {
		signed += " of " + cp.Time.UTC().Format("2006-01-02 15:04:05Z")
	}
	if n < cp.Size {
		rep.OK, rep.FirstBadID = false, n+1
		rep.Problem = fmt.Sprintf("entries %d to %d are missing: the log holds %d entries, %s covers %d; they were deleted (and audit_head set back)",
			n+1, cp.Size, n, signed, cp.Size)
		return
	}
	proof, err := tuopin.ConsistencyProof(cp.Size, n, w.ranges.Hash)
	if err == nil {
		err = tuopin.VerifyConsistency(cp.Size, n, cp.Root, rep.Root, proof)
	}
	if err != nil {
		rep.OK = false
		if cp.Size == 0 {
			rep.Problem = fmt.Sprintf("%s has a root that no empty log has: it does not belong to this log", signed)
		} else {
			rep.Problem = fmt.Sprintf("entries 1 to %d no longer have the root %s records: at least one of them was rewritten, replaced or reordered, and the hashes after it recomputed (%s)",
				cp.Size, signed, tuopin.ErrorMessage(err))
		}
		return
	}
	rep.Proof = proof
}

func verifyRows(ctx context.Context, tx *Tx, headID int64, headHash string, w *treeWalk) (*tuopin.AuditReport, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	rep := &tuopin.AuditReport{}
	bad := func(id int64, format string, args ...any) (*tuopin.AuditReport, error) {
		rep.FirstBadID, rep.Problem = id, fmt.Sprintf(format, args...)
		return rep, nil
	}
	var prevID int64
	prevHash := ""
	for rows.Next() {
		e, t, err := scanAuditRow(rows)
		if err != nil {
			return nil, err
		}
		rep.Entries++
		switch {
		case e.ID != prevID+1 && e.ID > prevID+1:
			return bad(prevID+1, "entry %d is missing: the log jumps from %d to %d", prevID+1, prevID, e.ID)
		case e.ID != prevID+1:
			return bad(e.ID, "entry %d is out of sequence after %d", e.ID, prevID)
		}
		// The hash covers the time in its stored form, so a time stored
		// in any other form is a rewritten row, even one that means the
		// same instant.
		if e.Time, err = parseTime(t); err != nil || formatTime(e.Time) != t {
			return bad(e.ID, "entry %d has its time stored as %q, not in the form %s: the row was rewritten", e.ID, t, tuopin.AuditTimeLayout)
		}
		switch {
		case e.ComputeHash() != e.Hash:
			return bad(e.ID, "entry %d was altered: its hash does not match its content", e.ID)
		case e.PrevHash != prevHash:
			return bad(e.ID, "entry %d does not link to entry %d: prev_hash differs from that entry's hash", e.ID, prevID)
		}
		leaf, err := tuopin.AuditLeaf(e)
		if err != nil {
			return bad(e.ID, "entry %d was altered: %v", e.ID, err)
		}
		w.append(leaf)
		prevID, prevHash = e.ID, e.Hash
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch {
	case headID > prevID:
		return bad(prevID+1, "entries %d to %d are missing at the end of the log (audit_head records %d)", prevID+1, headID, headID)
	case headID < prevID:
		return bad(headID+1, "entry %d lies beyond the end recorded in audit_head (%d)", headID+1, headID)
	case headHash != prevHash:
		return bad(prevID, "entry %d is not the last entry recorded in audit_head: the hashes differ", prevID)
	}
	rep.OK = true
	return rep, nil
}

// actorName is how an audit entry names its actor: the person's name with
// the login in brackets ("韦海燕 (village)"), so that the log reads as who
// did it and still identifies the account.
func actorName(u *tuopin.User) string {
	if u.Name == "" || u.Name == u.Username {
		return u.Username
	}
	return u.Name + " (" + u.Username + ")"
}
