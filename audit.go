package tuopin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Audit actions. Values are persisted: append new ones, never rename.
const (
	ActionAreasImport     = "areas.import"
	ActionHouseholdCreate = "household.create"
	ActionHouseholdUpdate = "household.update"
	ActionHouseholdStatus = "household.status"
	ActionUserCreate      = "user.create"
	ActionUserUpdate      = "user.update"
	ActionUserLogin       = "user.login"
	ActionTokenCreate     = "token.create"
	ActionTokenDelete     = "token.delete"
	ActionRollupRebuild   = "rollup.rebuild"
	ActionPlanSet         = "plan.set"
	ActionParamSet        = "param.set"
	ActionParamDelete     = "param.delete"
	ActionCodeSet         = "code.set"
	ActionCodeDelete      = "code.delete"
)

// AuditActions lists every audit action, in the order the audit page's
// filter offers them. A test checks that storage writes no other.
var AuditActions = []string{
	ActionHouseholdCreate, ActionHouseholdUpdate, ActionHouseholdStatus, ActionHouseholdEvent,
	ActionYearStart, ActionIDReviewFile, ActionIDReviewResolve,
	ActionImportUpload, ActionImportMapping, ActionImportCommit, ActionImportCancel,
	ActionPlanSet, ActionParamSet, ActionParamDelete, ActionCodeSet, ActionCodeDelete,
	ActionUserCreate, ActionUserUpdate, ActionUserLogin, ActionTokenCreate, ActionTokenDelete,
	ActionAreasImport, ActionRollupRebuild,
}

// AuditTargetKinds lists every target kind of the audit log.
var AuditTargetKinds = []string{"household", "registry_year", "id_review", "import_job", "import_mapping",
	"plan", "parameter", "code", "user", "api_token", "areas", "rollups"}

// AuditTimeLayout is how audit times are stored and hashed: UTC with
// microseconds, fixed width, so that the text sorts and round-trips on
// every engine.
const AuditTimeLayout = "2006-01-02T15:04:05.000000Z"

// AuditEntry is one row of the tamper-evident audit log. Each entry's Hash
// covers its own fields and the previous entry's hash, so editing or
// deleting any row breaks the chain from there on.
type AuditEntry struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	ActorID    int64     `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action"`
	TargetKind string    `json:"target_kind"` // "household", "user", "areas" …
	TargetID   string    `json:"target_id"`
	AreaCode   string    `json:"area_code"` // the scope node the change belongs to
	Reason     string    `json:"reason,omitempty"`
	// Before and After hold the changed fields only, as JSON objects
	// (null for a create's Before).
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// ComputeHash returns the hex SHA-256 over the entry's fields and PrevHash.
// Each field is length-prefixed so that no two entries share an encoding.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	put("tuopin-audit-v1")
	put(strconv.FormatInt(e.ID, 10))
	put(e.Time.UTC().Format(AuditTimeLayout))
	put(strconv.FormatInt(e.ActorID, 10))
	put(e.ActorName)
	put(e.Action)
	put(e.TargetKind)
	put(e.TargetID)
	put(e.AreaCode)
	put(e.Reason)
	put(string(e.Before))
	put(string(e.After))
	put(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// ChangedFields compares two values that marshal to JSON objects and
// returns two objects holding only the keys whose values differ. A nil
// before (a create) gives before = null and the whole of after.
func ChangedFields(before, after any) (json.RawMessage, json.RawMessage, error) {
	toMap := func(v any) (map[string]json.RawMessage, error) {
		if v == nil {
			return nil, nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		return m, nil
	}
	bm, err := toMap(before)
	if err != nil {
		return nil, nil, err
	}
	am, err := toMap(after)
	if err != nil {
		return nil, nil, err
	}
	if bm == nil {
		a, err := json.Marshal(am)
		return json.RawMessage("null"), a, err
	}
	db, da := map[string]json.RawMessage{}, map[string]json.RawMessage{}
	for k, bv := range bm {
		if av, ok := am[k]; !ok || !bytes.Equal(av, bv) {
			db[k] = bv
			if ok {
				da[k] = av
			}
		}
	}
	for k, av := range am {
		if _, ok := bm[k]; !ok {
			da[k] = av
		}
	}
	b, err := json.Marshal(db)
	if err != nil {
		return nil, nil, err
	}
	a, err := json.Marshal(da)
	return b, a, err
}

// AuditFilter selects audit entries; the caller's scope applies too.
type AuditFilter struct {
	TargetKind *string
	TargetID   *string
	ActorID    *int64
	Action     *string
	Offset     int
	Limit      int
}

// AuditReport is the result of walking the hash chain and the Merkle tree
// over it, and of checking them against a checkpoint when one is given.
type AuditReport struct {
	Entries int  `json:"entries"`
	OK      bool `json:"ok"`
	// FirstBadID is the first entry whose hash, link, time or ID sequence
	// is wrong, or the first entry a checkpoint covers that is missing (0
	// when OK, and when a rewrite is known but not where: see Problem).
	// Problem says what is wrong.
	FirstBadID int64  `json:"first_bad_id,omitempty"`
	Problem    string `json:"problem,omitempty"`
	// Root is the tree hash of the Entries entries, set when the chain is
	// whole: what a checkpoint of this size signs.
	Root TreeHash `json:"root"`
	// Checkpoint is the checkpoint the log was checked against (nil
	// without one), and Proof the consistency proof from its size to
	// Entries that the check verified.
	Checkpoint *Checkpoint `json:"checkpoint,omitempty"`
	Proof      []TreeHash  `json:"proof,omitempty"`
}

// AuditService reads and verifies the audit log. Entries are written by
// the other services inside their own transactions.
type AuditService interface {
	// FindAuditEntries lists entries whose area lies in the caller's scope,
	// newest first. The role must CanViewAudit (EFORBIDDEN).
	FindAuditEntries(ctx context.Context, filter AuditFilter) ([]*AuditEntry, int, error)

	// VerifyAuditChain walks every entry in ID order and recomputes the
	// chain and the tree over it. Only an admin may call it.
	VerifyAuditChain(ctx context.Context) (*AuditReport, error)

	// VerifyAuditLog is VerifyAuditChain, and with a checkpoint (whose
	// signature the caller has checked with OpenCheckpoint) also proves
	// that the log extends it: that it still holds the checkpoint's Size
	// entries and that they still have its Root. Only an admin may call
	// it.
	VerifyAuditLog(ctx context.Context, checkpoint *Checkpoint) (*AuditReport, error)
}
