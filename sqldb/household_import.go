package sqldb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

var (
	_ tuopin.HouseholdImporter = (*HouseholdService)(nil)
	_ tuopin.IDClashReviewer   = (*HouseholdService)(nil)
)

// Imports write households through the same code as the forms
// (createHouseholds, updateHousehold), so that every rule holds on every
// path. What an import adds is the matching and a verdict per household:
//
//   - a household is matched by year and household number; absent, it is
//     created; present (inside the caller's scope), it is brought to the
//     state the file gives, its members matched by ID number so that they
//     keep their IDs; when the file changes nothing it is left alone;
//   - a field the file has no column for keeps its stored value (see
//     tuopin.HouseholdImportOptions.Fields): a file without 联系电话 does
//     not wipe the phone numbers;
//   - a household is refused, with every reason found, for an unknown or
//     out-of-scope village, a household number taken outside the caller's
//     scope, an ID number registered that year in another household (the
//     clash is returned, for the review queue when it is across counties),
//     a closed year, or a status different from the stored one: status
//     moves follow the exit procedure on the household's page, a file does
//     not bypass it.
//
// CheckImport gives these verdicts in a read transaction (the dry run);
// BeginImport opens the write transaction of a commit, whose Import gives
// the same verdicts and writes the households that are not refused.

// planImport checks a batch of households and decides, for each, what an
// import does with it. It reads only. olds[i] is the stored household
// matched by households[i] and upds[i] the update that brings it to the
// file's state (for ImportUpdate).
type importPlan struct {
	outcomes []tuopin.HouseholdImportOutcome
	olds     []*tuopin.Household
	upds     []tuopin.HouseholdUpdate
}

func planImport(ctx context.Context, tx *Tx, codes *tuopin.CodeSet, hs []*tuopin.Household, opts tuopin.HouseholdImportOptions) (*importPlan, error) {
	n := len(hs)
	p := &importPlan{outcomes: make([]tuopin.HouseholdImportOutcome, n), olds: make([]*tuopin.Household, n), upds: make([]tuopin.HouseholdUpdate, n)}
	fields := make([]tuopin.Fields, n)
	refused := func(i int) bool { return len(fields[i]) > 0 }
	refuse := func(i int, err error) {
		if fe := tuopin.ErrorFields(err); len(fe) > 0 {
			fields[i].Merge("", fe)
			return
		}
		fields[i].Add("household", "refused", "%s", tuopin.ErrorMessage(err))
	}

	// Shape and code tables.
	for i, h := range hs {
		if h == nil {
			fields[i].Add("household", "required", "A household is missing.")
			continue
		}
		for j, m := range h.Members {
			if m == nil {
				fields[i].Add(fmt.Sprintf("members[%d]", j), "required", "Member %d is missing.", j+1)
			}
		}
		if refused(i) {
			continue
		}
		h.Normalize(tx.now)
		if err := h.Validate(codes, tx.now); err != nil {
			refuse(i, err)
		}
	}

	// Areas: known villages inside the scope.
	var areaCodes []string
	for i, h := range hs {
		if !refused(i) {
			areaCodes = append(areaCodes, h.AreaCode)
		}
	}
	bad, err := checkAreas(ctx, tx, areaCodes)
	if err != nil {
		return nil, err
	}
	// Closed years, once per year and county.
	closed := map[string]error{}
	for i, h := range hs {
		if refused(i) {
			continue
		}
		if e := bad[h.AreaCode]; e != nil {
			refuse(i, e)
			continue
		}
		k := strconv.Itoa(h.Year) + "/" + h.AreaCode[:6]
		e, ok := closed[k]
		if !ok {
			if e = checkYearOpen(ctx, tx, h.Year, h.AreaCode); e != nil && tuopin.ErrorCode(e) == tuopin.EINTERNAL {
				return nil, e
			}
			closed[k] = e
		}
		if e != nil {
			refuse(i, e)
		}
	}

	// Household numbers: which exist, and where.
	type yearKey struct {
		year int
		key  string
	}
	byNumber := map[yearKey]int{}
	numbers := map[int][]string{}
	for i, h := range hs {
		if h == nil || h.Number == "" {
			continue
		}
		k := yearKey{h.Year, h.Number}
		if j, dup := byNumber[k]; dup {
			fields[i].Add("number", "taken", "Household number %s is given twice in this batch (also households[%d]).", h.Number, j)
			continue
		}
		byNumber[k] = i
		numbers[h.Year] = append(numbers[h.Year], h.Number)
	}
	type stored struct {
		id   int64
		area string
	}
	existing := map[yearKey]stored{}
	for year, list := range numbers {
		if err := eachHouseholdNumber(ctx, tx, year, list, func(n string, id int64, area string) {
			existing[yearKey{year, n}] = stored{id, area}
		}); err != nil {
			return nil, err
		}
	}
	var ids []int64
	for i, h := range hs {
		if h == nil {
			continue
		}
		s, ok := existing[yearKey{h.Year, h.Number}]
		if !ok {
			continue
		}
		p.outcomes[i].ID = s.id
		if !strings.HasPrefix(s.area, tx.user.Scope) {
			fields[i].Add("number", "taken", "Household number %s is already registered in %d in an area outside your scope.", h.Number, h.Year)
			continue
		}
		ids = append(ids, s.id)
	}
	olds, err := findHouseholdsByID(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	for i, h := range hs {
		if h == nil || refused(i) || p.outcomes[i].ID == 0 {
			continue
		}
		old := olds[p.outcomes[i].ID]
		if old == nil {
			continue // refused above (outside the scope)
		}
		p.olds[i] = old
		if old.Status != h.Status {
			label := func(code string) string { return codes.Label(tuopin.CodeStatus, code, "zh") }
			fields[i].Add("status", "status_change",
				"脱贫状态 is %s in the file but %s in the registry: a status moves through the exit procedure on the household's page, not by an import.",
				label(h.Status), label(old.Status))
		}
	}

	// Member ID numbers: once per year across the whole registry, and once
	// in the batch.
	type memberRef struct{ h, m int }
	seen := map[yearKey]memberRef{}
	idsByYear := map[int][]string{}
	for i, h := range hs {
		if h == nil || refused(i) {
			continue
		}
		for j, m := range h.Members {
			k := yearKey{h.Year, m.IDNumber}
			if o, dup := seen[k]; dup && o.h != i {
				fields[i].Add(fmt.Sprintf("members[%d].id_number", j), "duplicate",
					"ID number %s is also given for household %s in this file.", m.IDNumber, hs[o.h].Number)
				continue
			}
			seen[k] = memberRef{i, j}
			idsByYear[h.Year] = append(idsByYear[h.Year], m.IDNumber)
		}
	}
	for year, list := range idsByYear {
		found, err := findIDClashes(ctx, tx, year, list, 0)
		if err != nil {
			return nil, err
		}
		for id, c := range found {
			r := seen[yearKey{year, id}]
			h := hs[r.h]
			if c.number == h.Number {
				continue // the household itself, being re-imported
			}
			fields[r.h].Merge("", tuopin.ErrorFields(c.err(tx.user, r.m, id, year)))
			p.outcomes[r.h].Clashes = append(p.outcomes[r.h].Clashes, tuopin.IDClash{
				Member: r.m, IDNumber: id, OtherNumber: c.number, OtherArea: c.areaCode,
				CrossCounty: len(c.areaCode) >= 6 && c.areaCode[:6] != h.AreaCode[:6],
			})
		}
	}

	// The verdicts.
	for i, h := range hs {
		o := &p.outcomes[i]
		if refused(i) {
			o.Action, o.Err = tuopin.ImportRefuse, fields[i].Err()
			continue
		}
		old := p.olds[i]
		if old == nil {
			o.Action = tuopin.ImportCreate
			continue
		}
		upd, changed, err := importUpdate(old, h, opts, tx)
		if err != nil {
			return nil, err
		}
		p.upds[i] = upd
		o.Action = tuopin.ImportUnchanged
		if changed {
			o.Action = tuopin.ImportUpdate
		}
	}
	return p, nil
}

// findHouseholdsByID reads households with their members, by ID.
func findHouseholdsByID(ctx context.Context, tx *Tx, ids []int64) (map[int64]*tuopin.Household, error) {
	out := make(map[int64]*tuopin.Household, len(ids))
	list := make([]*tuopin.Household, 0, len(ids))
	err := eachChunk(ids, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+householdColumns+` FROM households WHERE id IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			h, err := scanHousehold(rows)
			if err != nil {
				return err
			}
			out[h.ID] = h
			list = append(list, h)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, tx.db.formatError(err)
	}
	return out, loadMembers(ctx, tx, list)
}

// importUpdate returns the update that brings old to the state the file
// gives in h, and whether it changes anything. Fields without a column
// keep old's values; members are matched by ID number (keeping their
// IDs), members the file does not list leave the household. changed is
// decided as updateHousehold decides it: by comparing the whole record.
func importUpdate(old, h *tuopin.Household, opts tuopin.HouseholdImportOptions, tx *Tx) (tuopin.HouseholdUpdate, bool, error) {
	has := func(key string) bool { return opts.Fields == nil || opts.Fields[key] }
	area, attr, cause := h.AreaCode, h.Attribute, h.MainCause
	upd := tuopin.HouseholdUpdate{AreaCode: &area, Attribute: &attr, MainCause: &cause, Reason: opts.Reason}
	if has("income_per_capita") {
		v := h.IncomePerCapita
		upd.IncomePerCapita = &v
	}
	if has("phone") {
		v := h.Phone
		upd.Phone = &v
	}
	details := mergeDetails(old.Details, h.Details, has)
	upd.Details = &details

	byID := map[string]*tuopin.Member{}
	for _, m := range old.Members {
		byID[m.IDNumber] = m
	}
	members := make([]*tuopin.Member, 0, len(h.Members))
	for _, m := range h.Members {
		nm := *m
		nm.ID, nm.HouseholdID = 0, old.ID
		if om := byID[m.IDNumber]; om != nil {
			nm.ID = om.ID
			if !has("sex") {
				nm.Sex = om.Sex
			}
			if !has("birth_date") {
				nm.BirthDate = om.BirthDate
			}
			if !has("education") {
				nm.Education = om.Education
			}
			if !has("health") {
				nm.Health = om.Health
			}
			if !has("skill") {
				nm.Skill = om.Skill
			}
			nm.Details = mergeDetails(om.Details, m.Details, has)
		}
		members = append(members, &nm)
	}
	upd.Members = &members

	// The household as the update would leave it, before derivation:
	// derived fields are old's, so that only a change of input shows.
	c := cloneHousehold(old)
	c.AreaCode, c.Attribute, c.MainCause = area, attr, cause
	if upd.IncomePerCapita != nil {
		c.IncomePerCapita = *upd.IncomePerCapita
	}
	if upd.Phone != nil {
		c.Phone = *upd.Phone
	}
	c.Details = details
	c.Members = make([]*tuopin.Member, len(members))
	for i, m := range members {
		mc := *m
		mc.Details = copyDetails(m.Details)
		c.Members[i] = &mc
	}
	c.Normalize(tx.now)
	ob, err := json.Marshal(old)
	if err != nil {
		return upd, false, err
	}
	cb, err := json.Marshal(c)
	if err != nil {
		return upd, false, err
	}
	return upd, !bytes.Equal(ob, cb), nil
}

// mergeDetails returns the details of a record after an import: a key the
// file has a column for takes the file's value (absent: cleared), any
// other keeps the stored one.
func mergeDetails(old, file map[string]string, has func(string) bool) map[string]string {
	out := map[string]string{}
	for k, v := range old {
		if !has(k) {
			out[k] = v
		}
	}
	for k, v := range file {
		if has(k) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func copyDetails(d map[string]string) map[string]string {
	if d == nil {
		return nil
	}
	out := make(map[string]string, len(d))
	for k, v := range d {
		out[k] = v
	}
	return out
}

// CheckImport is the dry run of one batch of an import: it returns what
// importing hs would do with each household (create, update, leave
// unchanged, or refuse and why) without writing anything, in a read
// transaction. Households are normalised in place. Returns EUNAUTHORIZED
// without a user and EFORBIDDEN for a role that may not edit the
// registry.
func (s *HouseholdService) CheckImport(ctx context.Context, hs []*tuopin.Household, opts tuopin.HouseholdImportOptions) ([]tuopin.HouseholdImportOutcome, error) {
	if _, err := registryEditor(ctx); err != nil {
		return nil, err
	}
	codes, err := s.db.codeSet(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	p, err := planImport(ctx, tx, codes, hs, opts)
	if err != nil {
		return nil, err
	}
	return p.outcomes, nil
}

// householdImportTx is the write transaction of an import's commit.
type householdImportTx struct {
	tx    *Tx
	codes *tuopin.CodeSet
}

// BeginImport opens the one write transaction of an import's commit, as
// the user in ctx. Returns EUNAUTHORIZED without a user and EFORBIDDEN for
// a role that may not edit the registry. On SQLite the transaction holds
// the database's single writer until Finish or Rollback: other writes
// wait for it.
func (s *HouseholdService) BeginImport(ctx context.Context) (tuopin.HouseholdImportTx, error) {
	if _, err := registryEditor(ctx); err != nil {
		return nil, err
	}
	codes, err := s.db.codeSet(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	// The roll-ups are brought up to date once, in Finish, rather than by
	// every batch (Tx.pendingRollups).
	tx.pendingRollups = rollupValues{}
	return &householdImportTx{tx: tx, codes: codes}, nil
}

// Import checks one batch as CheckImport does and writes the households
// that are not refused: the new ones with createHouseholds (one
// "household.create" entry each), the changed ones with updateHousehold
// (one "household.update" entry each); unchanged ones are not touched.
// Refused households are left out; whether that ends the import is the
// caller's decision.
func (t *householdImportTx) Import(ctx context.Context, hs []*tuopin.Household, opts tuopin.HouseholdImportOptions) ([]tuopin.HouseholdImportOutcome, error) {
	p, err := planImport(ctx, t.tx, t.codes, hs, opts)
	if err != nil {
		return nil, err
	}
	// New households in one batch. A rule that only the write checks
	// refuses its household, and the others are tried again.
	var creates []int
	for i, o := range p.outcomes {
		if o.Action == tuopin.ImportCreate {
			creates = append(creates, i)
		}
	}
	for len(creates) > 0 {
		batch := make([]*tuopin.Household, len(creates))
		for k, i := range creates {
			batch[k] = hs[i]
		}
		err := createHouseholds(ctx, t.tx, t.codes, batch, opts.Reason, true)
		if err == nil {
			break
		}
		k, inner, ok := splitIndexed(err)
		if !ok || k >= len(creates) {
			return nil, err
		}
		o := &p.outcomes[creates[k]]
		o.Action, o.Err = tuopin.ImportRefuse, inner
		creates = append(creates[:k:k], creates[k+1:]...)
	}
	for _, i := range creates {
		p.outcomes[i].ID = hs[i].ID
	}
	// Changed households one by one, each with its own audit entry.
	for i := range hs {
		o := &p.outcomes[i]
		if o.Action != tuopin.ImportUpdate {
			continue
		}
		h, err := updateHousehold(ctx, t.tx, t.codes, p.olds[i], p.upds[i])
		switch code := tuopin.ErrorCode(err); {
		case err == nil && h == p.olds[i]:
			o.Action = tuopin.ImportUnchanged
		case err == nil:
			o.ID = h.ID
			hs[i].ID, hs[i].Version = h.ID, h.Version
		case code == tuopin.EINVALID:
			o.Action, o.Err = tuopin.ImportRefuse, err
		default:
			return nil, err
		}
	}
	return p.outcomes, nil
}

var indexedKey = regexp.MustCompile(`^households\[(\d+)\][.:]\s?(.*)$`)

// splitIndexed undoes indexed: it returns the index a batch error names
// and the error of that household alone.
func splitIndexed(err error) (int, error, bool) {
	e, ok := err.(*tuopin.Error)
	if !ok || (e.Code != tuopin.EINVALID && e.Code != tuopin.ECONFLICT) {
		return 0, nil, false
	}
	sm := indexedKey.FindStringSubmatch(e.Message)
	idx := -1
	if sm != nil {
		idx, _ = strconv.Atoi(sm[1])
	}
	out := &tuopin.Error{Code: tuopin.EINVALID, Message: e.Message}
	if sm != nil {
		out.Message = sm[2]
	}
	for k, v := range e.Fields {
		fm := indexedKey.FindStringSubmatch(k)
		if fm == nil {
			continue
		}
		if idx < 0 {
			idx, _ = strconv.Atoi(fm[1])
		}
		if out.Fields == nil {
			out.Fields = map[string]tuopin.FieldError{}
		}
		out.Fields[fm[2]] = v
	}
	if idx < 0 {
		return 0, nil, false
	}
	return idx, out, true
}

// importCommitAudit is the "import.commit" audit entry's record.
type importCommitAudit struct {
	FileName string              `json:"file_name"`
	FileSize int64               `json:"file_size"`
	Policy   string              `json:"policy"`
	Counts   tuopin.ImportCounts `json:"counts"`
}

// Finish stores the job's final state and its "import.commit" audit entry
// in the import's transaction and commits it: the households, their
// audit entries, the job's status and counts all become visible at once.
// The job must still be committing in the database (a cancel or a stale
// runner's recovery moves it on): ECONFLICT otherwise, and nothing is
// committed.
func (t *householdImportTx) Finish(ctx context.Context, j *tuopin.ImportJob) error {
	defer t.tx.Rollback()
	j.Status, j.Phase = tuopin.ImportDone, ""
	j.CommittedAt, j.FinishedAt = &t.tx.now, &t.tx.now
	worker := j.Worker
	j.Worker = ""
	if err := updateImportJob(ctx, t.tx, j, tuopin.ImportCommitting); err != nil {
		j.Worker = worker
		return err
	}
	var cancelled bool
	if err := t.tx.QueryRowContext(ctx, `SELECT cancel_requested FROM import_jobs WHERE id = ?`, j.ID).Scan(&cancelled); err != nil {
		return t.tx.db.formatError(err)
	}
	if cancelled {
		return tuopin.Errorf(tuopin.ECONFLICT, "Import %d was cancelled.", j.ID)
	}
	if err := t.tx.flushRollups(ctx); err != nil {
		return err
	}
	e, err := newAuditEntry(tuopin.ActionImportCommit, "import_job", strconv.FormatInt(j.ID, 10), j.Scope, "", nil,
		importCommitAudit{FileName: j.FileName, FileSize: j.FileSize, Policy: j.CommitPolicy, Counts: j.Counts})
	if err != nil {
		return err
	}
	if err := t.tx.appendAudit(ctx, e); err != nil {
		return err
	}
	return t.tx.Commit()
}

// Rollback discards the import's writes.
func (t *householdImportTx) Rollback() error { return t.tx.Rollback() }

// FileIDClashReviews files the cross-county ID clashes of households an
// import refused in the duplicate review queue, naming both records, in
// one transaction of its own: an all-or-nothing import that refused rows
// wrote nothing, and the clash must still be reviewed. A commit that
// writes files them in its own transaction instead (householdImportTx).
// It returns how many reviews were filed.
func (s *HouseholdService) FileIDClashReviews(ctx context.Context, source string, refused []tuopin.RefusedHousehold) (int, error) {
	if !hasCrossCounty(refused) {
		return 0, nil
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	n, err := fileIDClashReviews(ctx, tx, source, refused)
	if err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// FileIDClashReviews files the cross-county ID clashes of refused
// households in the import's transaction, so that they commit with it.
func (t *householdImportTx) FileIDClashReviews(ctx context.Context, source string, refused []tuopin.RefusedHousehold) (int, error) {
	return fileIDClashReviews(ctx, t.tx, source, refused)
}

func hasCrossCounty(refused []tuopin.RefusedHousehold) bool {
	for _, r := range refused {
		for _, c := range r.Clashes {
			if c.CrossCounty {
				return true
			}
		}
	}
	return false
}

// fileIDClashReviews files a review for each cross-county clash; clashes
// within a county are plain refusals and are not filed. An open review of
// the same ID number and household is refreshed, not filed twice.
func fileIDClashReviews(ctx context.Context, tx *Tx, source string, refused []tuopin.RefusedHousehold) (int, error) {
	n := 0
	for _, r := range refused {
		for _, c := range r.Clashes {
			if !c.CrossCounty || c.Member < 0 || c.Member >= len(r.Household.Members) {
				continue
			}
			rv := &tuopin.IDReview{Year: r.Household.Year, IDNumber: c.IDNumber, Name: r.Household.Members[c.Member].Name, Source: source}
			if err := rv.SetIncoming(r.Household); err != nil {
				return 0, err
			}
			if err := fileIDReview(ctx, tx, rv); err != nil {
				if tuopin.ErrorCode(err) == tuopin.EINVALID {
					continue // the other record is gone meanwhile: nothing to review
				}
				return 0, err
			}
			n++
		}
	}
	return n, nil
}
