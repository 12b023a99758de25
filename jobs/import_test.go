package jobs_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/bench"
	"github.com/tuopin/tuopin/jobs"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
	"github.com/tuopin/tuopin/xlsx"
)

var opts2024 = tuopin.ImportOptions{Year: 2024}

// TestImportCSVGBK imports a GBK CSV in the national layout: upload, dry
// run, commit, with the counts, the stored households and the audit log.
func TestImportCSVGBK(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{BatchSize: 7}, nil)
		hs := households(0, 30)
		file := encode(t, xlsx.FormatCSVGBK, xlsx.LayoutNational, hs)

		j := e.upload(e.township, "武篆镇-贫困户名册-2024.csv", file, tuopin.ImportOptions{})
		if j.Status != tuopin.ImportUploaded || j.Format != "csv" || j.Encoding != xlsx.EncodingGB18030 || j.MappingRemembered {
			t.Fatalf("uploaded %+v", j)
		}
		if j.Mapping.Fields()["id_number"] != true || j.Options.Policy != tuopin.ImportAllOrNothing {
			t.Fatalf("mapping %+v, options %+v", j.Mapping, j.Options)
		}
		// Nothing may be committed before the dry run.
		_, err := e.runner.CommitImport(sqldbtest.Ctx(e.township), j.ID, "")
		if tuopin.ErrorCode(err) != tuopin.ECONFLICT {
			t.Fatalf("commit before dry run: %v", err)
		}

		j = e.validate(e.township, j.ID, nil)
		members := 0
		for _, h := range hs {
			members += len(h.Members)
		}
		want := tuopin.ImportCounts{Rows: members, Households: 30, Members: members, Created: 30}
		if j.Status != tuopin.ImportValidated || j.Counts != want || j.HasReport || j.ValidatedAt == nil {
			t.Fatalf("after dry run: %s %+v (error %q)", j.Status, j.Counts, j.Error)
		}
		if n := e.count("451224104", 2024); n != 0 {
			t.Fatalf("the dry run wrote %d households", n)
		}
		creates := e.auditCount(tuopin.ActionHouseholdCreate)

		j = e.commit(e.township, j.ID, "")
		if j.Status != tuopin.ImportDone || j.Counts.Created != 30 || j.CommittedAt == nil || j.CommitPolicy != tuopin.ImportAllOrNothing {
			t.Fatalf("after commit: %s %+v (error %q)", j.Status, j.Counts, j.Error)
		}
		if n := e.count("451224104", 2024); n != 30 {
			t.Fatalf("%d households stored", n)
		}
		if got := e.auditCount(tuopin.ActionHouseholdCreate); got != creates+30 {
			t.Fatalf("%d create entries, want %d", got, creates+30)
		}
		for _, a := range []string{tuopin.ActionImportUpload, tuopin.ActionImportMapping, tuopin.ActionImportCommit} {
			if n := e.auditCount(a); n != 1 {
				t.Errorf("%d %s entries", n, a)
			}
		}
		// A household reads back as it was in the file.
		got, _, err := e.hh.FindHouseholds(sqldbtest.Ctx(e.county), tuopin.HouseholdFilter{Number: &hs[3].Number})
		if err != nil || len(got) != 1 {
			t.Fatalf("find %s: %v %v", hs[3].Number, got, err)
		}
		full, err := e.hh.FindHouseholdByID(sqldbtest.Ctx(e.county), got[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Members) != 3 || full.Members[2].IDNumber != hs[3].Members[2].IDNumber || full.IncomePerCapita != hs[3].IncomePerCapita {
			t.Fatalf("stored %+v", full)
		}

		t.Run("Scope", func(t *testing.T) {
			list, n, err := e.runner.FindImports(sqldbtest.Ctx(e.county), tuopin.ImportFilter{})
			if err != nil || n != 1 || list[0].ID != j.ID {
				t.Fatalf("county list %d %v", n, err)
			}
			if _, err := e.runner.FindImportByID(sqldbtest.Ctx(e.village), j.ID); tuopin.ErrorCode(err) != tuopin.ENOTFOUND {
				t.Fatalf("village sees the township's job: %v", err)
			}
			if _, err := e.runner.FindImportByID(sqldbtest.Ctx(e.fengshan), j.ID); tuopin.ErrorCode(err) != tuopin.ENOTFOUND {
				t.Fatalf("another county sees the job: %v", err)
			}
			if _, err := e.runner.CancelImport(sqldbtest.Ctx(e.fengshan), j.ID); tuopin.ErrorCode(err) != tuopin.ENOTFOUND {
				t.Fatalf("another county cancels the job: %v", err)
			}
			_, err = e.runner.CreateImport(sqldbtest.Ctx(e.viewer), tuopin.ImportUpload{FileName: "x.csv", Body: bytes.NewReader(file)})
			if tuopin.ErrorCode(err) != tuopin.EFORBIDDEN {
				t.Fatalf("viewer uploads: %v", err)
			}
			if _, err := e.runner.CancelImport(sqldbtest.Ctx(e.county), j.ID); tuopin.ErrorCode(err) != tuopin.ECONFLICT {
				t.Fatalf("cancel of a done job: %v", err)
			}
		})
	})
}

// faultyXLSX is a one-row header .xlsx written by excelize with good and
// refused households, and the row of each.
func faultyXLSX(t *testing.T, clashID string) []byte {
	t.Helper()
	f := excelize.NewFile()
	const sh = "名单"
	f.SetSheetName("Sheet1", sh)
	header := []any{"年度", "行政区划代码", "户编号", "贫困户属性", "主要致贫原因", "人均纯收入（元）", "脱贫状态", "姓名", "证件号码", "与户主关系"}
	f.SetSheetRow(sh, "A1", &header)
	good := sqldbtest.NewHousehold("451224104201", 1)
	bad := sqldbtest.NewHousehold("451224104201", 2)
	row := func(r int, number, area string, m *tuopin.Member, rel string) {
		t.Helper()
		cell, _ := excelize.CoordinatesToCellName(1, r)
		vals := []any{2024, area, number, "一般贫困户", "因病", "3146.50", "未脱贫", m.Name, m.IDNumber, rel}
		if err := f.SetSheetRow(sh, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	// Household A, good: rows 2 and 3.
	row(2, "A-1", "451224104201", good.Members[0], "户主")
	row(3, "A-1", "451224104201", good.Members[1], "配偶")
	// Household B: row 5's ID number fails its check digit.
	row(4, "B-2", "451224104201", bad.Members[0], "户主")
	wrong := *bad.Members[1]
	last := wrong.IDNumber[17]
	wrong.IDNumber = wrong.IDNumber[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", last)+1)%11])
	row(5, "B-2", "451224104201", &wrong, "配偶")
	// Household C: a village that does not exist.
	c := sqldbtest.NewHousehold("451224104201", 3)
	row(6, "C-3", "451224104299", c.Members[0], "户主")
	// Household D: the ID number stored as a number by Excel.
	d := sqldbtest.NewHousehold("451224104201", 4)
	row(7, "D-4", "451224104201", d.Members[0], "户主")
	f.SetCellFloat(sh, "I7", 4.51224198501011e17, -1, 64)
	// Household E: an ID number registered in 凤山县.
	eh := sqldbtest.NewHousehold("451224104201", 5)
	m := *eh.Members[0]
	m.IDNumber = clashID
	row(8, "E-5", "451224104201", &m, "户主")
	// Household F: household A's head again.
	row(9, "F-6", "451224104201", good.Members[0], "户主")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportRefusedRows checks the dry run's report of refused rows and
// both commit policies.
func TestImportRefusedRows(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{}, nil)
		other := sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Bapang, 1))
		file := faultyXLSX(t, other.Members[0].IDNumber)

		j := e.upload(e.county, "faulty.xlsx", file, tuopin.ImportOptions{})
		j = e.validate(e.county, j.ID, nil)
		if j.Status != tuopin.ImportValidated {
			t.Fatalf("dry run %s: %s", j.Status, j.Error)
		}
		want := tuopin.ImportCounts{Rows: 8, Households: 6, Members: 8, RefusedRows: 6, RefusedHouseholds: 5, Created: 1}
		want.Errors = j.Counts.Errors
		if j.Counts != want || !j.HasReport {
			t.Fatalf("counts %+v, want %+v", j.Counts, want)
		}
		check := func(row int, column, code, value, reason string) {
			t.Helper()
			for _, x := range j.Preview {
				if x.Row == row && x.Code == code {
					if x.Column != column || (value != "" && x.Value != value) || !strings.Contains(x.Reason+x.ReasonZH, reason) {
						t.Errorf("row %d: %+v, want column %s value %q reason %q", row, x, column, value, reason)
					}
					return
				}
			}
			t.Errorf("row %d has no %s line in the report %+v", row, code, j.Preview)
		}
		check(4, "", "household_refused", "", "row 5")
		check(5, "I", "id_checksum", "", "校验位")
		check(6, "B", "unknown_area", "451224104299", "451224104299")
		check(7, "I", xlsx.CodeStoredAsNumber, "", "")
		check(8, "I", "duplicate", other.Members[0].IDNumber, "其他地区")
		check(9, "I", "duplicate", "", "row 2")
		if len(j.Preview) != j.Counts.Errors {
			t.Errorf("%d preview lines, %d errors", len(j.Preview), j.Counts.Errors)
		}
		// The report lists the same lines under its header.
		rows := e.reportRows(e.county, j.ID)
		if len(rows) != 1+j.Counts.Errors || rows[0][0] != "行号 Row" || rows[1][0] != "4" {
			t.Fatalf("report rows %v", rows)
		}

		// All or nothing cannot commit a file with refused rows.
		_, err := e.runner.CommitImport(sqldbtest.Ctx(e.county), j.ID, tuopin.ImportAllOrNothing)
		if fe := tuopin.ErrorFields(err)["policy"]; fe.Code != "refused_rows" {
			t.Fatalf("all-or-nothing commit: %v", err)
		}
		if n := e.count("451224104201", 2024); n != 0 {
			t.Fatalf("%d households written", n)
		}

		// Skipping the refused rows writes the rest and lists them.
		j = e.commit(e.county, j.ID, tuopin.ImportSkipRefused)
		if j.Status != tuopin.ImportDone || j.Counts.Created != 1 || j.Counts.RefusedHouseholds != 5 || j.Counts.ReviewsFiled != 1 || !j.HasReport {
			t.Fatalf("skip commit: %s %+v %s", j.Status, j.Counts, j.Error)
		}
		if n := e.count("451224104201", 2024); n != 1 {
			t.Fatalf("%d households written, want 1", n)
		}
		if rows := e.reportRows(e.county, j.ID); len(rows) != 1+j.Counts.Errors {
			t.Fatalf("commit report has %d rows", len(rows))
		}
		if n := e.auditCount("idreview.file"); n != 1 {
			t.Fatalf("%d reviews filed", n)
		}
	})
}

// TestImportAllOrNothingAtCommit: the registry changes between the dry
// run and the commit, and the commit then refuses a row: nothing is
// written.
func TestImportAllOrNothingAtCommit(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{BatchSize: 4}, nil)
		hs := households(0, 12)
		j := e.upload(e.county, "clean.xlsx", encode(t, xlsx.FormatXLSX, xlsx.LayoutReadable, hs), tuopin.ImportOptions{})
		j = e.validate(e.county, j.ID, nil)
		if j.Status != tuopin.ImportValidated || j.Counts.RefusedRows != 0 {
			t.Fatalf("dry run %s %+v", j.Status, j.Counts)
		}
		// Meanwhile someone registers household 9's head elsewhere.
		h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 900)
		h.Members[0].IDNumber = hs[9].Members[0].IDNumber
		sqldbtest.MustCreateHousehold(t, db, h)

		j = e.commit(e.county, j.ID, "")
		if j.Status != tuopin.ImportFailed || !strings.Contains(j.Error, "nothing was written") || j.Counts.RefusedHouseholds != 1 || !j.HasReport {
			t.Fatalf("commit: %s %+v %q", j.Status, j.Counts, j.Error)
		}
		if n := e.count("451224104", 2024); n != 0 {
			t.Fatalf("%d households written", n)
		}
		// A failed job may run its dry run again.
		j = e.validate(e.county, j.ID, nil)
		if j.Status != tuopin.ImportValidated || j.Counts.RefusedHouseholds != 1 {
			t.Fatalf("second dry run %s %+v", j.Status, j.Counts)
		}
	})
}

// TestImportIdempotent re-imports a committed file: nothing is created or
// updated and no household gets an audit entry; then a changed file
// updates only what changed.
func TestImportIdempotent(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{}, nil)
		hs := households(0, 20)
		file := encode(t, xlsx.FormatCSV, xlsx.LayoutNational, hs)
		j := e.upload(e.county, "a.csv", file, tuopin.ImportOptions{})
		e.validate(e.county, j.ID, nil)
		if j = e.commit(e.county, j.ID, ""); j.Status != tuopin.ImportDone {
			t.Fatalf("first import %s %s", j.Status, j.Error)
		}
		creates, updates := e.auditCount(tuopin.ActionHouseholdCreate), e.auditCount(tuopin.ActionHouseholdUpdate)
		before := map[string]*tuopin.Household{}
		for _, h := range e.all("451224104") {
			before[h.Number] = h
		}

		again := e.upload(e.county, "a.csv", file, tuopin.ImportOptions{})
		if !again.MappingRemembered {
			t.Errorf("the mapping of the same source was not remembered")
		}
		again = e.validate(e.county, again.ID, nil)
		if again.Counts.Created != 0 || again.Counts.Updated != 0 || again.Counts.Unchanged != 20 {
			t.Fatalf("re-import dry run %+v", again.Counts)
		}
		again = e.commit(e.county, again.ID, "")
		if again.Status != tuopin.ImportDone || again.Counts.Created != 0 || again.Counts.Updated != 0 || again.Counts.Unchanged != 20 {
			t.Fatalf("re-import %s %+v", again.Status, again.Counts)
		}
		if c, u := e.auditCount(tuopin.ActionHouseholdCreate), e.auditCount(tuopin.ActionHouseholdUpdate); c != creates || u != updates {
			t.Fatalf("re-import wrote audit entries: creates %d→%d, updates %d→%d", creates, c, updates, u)
		}
		for _, h := range e.all("451224104") {
			if b := before[h.Number]; b == nil || h.Version != b.Version || !h.UpdatedAt.Equal(b.UpdatedAt) {
				t.Fatalf("household %s changed by a re-import", h.Number)
			}
		}

		// One household changes its income and loses a member.
		hs[4].IncomePerCapita += 10000
		hs[4].Members = hs[4].Members[:1]
		hs[4].Members[0].Relation = tuopin.RelationHead
		hs[4].Normalize(time.Now())
		changed := e.upload(e.county, "b.csv", encode(t, xlsx.FormatCSV, xlsx.LayoutNational, hs), tuopin.ImportOptions{})
		changed = e.validate(e.county, changed.ID, nil)
		if changed.Counts.Updated != 1 || changed.Counts.Unchanged != 19 {
			t.Fatalf("changed dry run %+v", changed.Counts)
		}
		changed = e.commit(e.county, changed.ID, "")
		if changed.Counts.Updated != 1 || e.auditCount(tuopin.ActionHouseholdUpdate) != updates+1 {
			t.Fatalf("changed commit %+v", changed.Counts)
		}
		b := before[hs[4].Number]
		h, err := e.hh.FindHouseholdByID(sqldbtest.Ctx(e.county), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h.Version != b.Version+1 || h.IncomePerCapita != hs[4].IncomePerCapita || len(h.Members) != 1 || h.Members[0].ID != b.Members[0].ID {
			t.Fatalf("updated household %+v", h)
		}
	})
}

// all reads every household under a prefix with its members.
func (e *env) all(prefix string) []*tuopin.Household {
	e.t.Helper()
	var out []*tuopin.Household
	err := e.hh.EachHousehold(sqldbtest.Ctx(tuopin.SystemUser), tuopin.HouseholdFilter{AreaPrefix: prefix}, func(h *tuopin.Household) error {
		out = append(out, h)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// slowImporter blocks each commit batch after the first until released
// (or its context ends), and says when it blocks.
type slowImporter struct {
	tuopin.HouseholdImporter
	blocked chan struct{}
	release chan struct{}
}

type slowTx struct {
	tuopin.HouseholdImportTx
	s       *slowImporter
	batches int
}

func (s *slowImporter) BeginImport(ctx context.Context) (tuopin.HouseholdImportTx, error) {
	tx, err := s.HouseholdImporter.BeginImport(ctx)
	if err != nil {
		return nil, err
	}
	return &slowTx{HouseholdImportTx: tx, s: s}, nil
}

func (t *slowTx) Import(ctx context.Context, hs []*tuopin.Household, opts tuopin.HouseholdImportOptions) ([]tuopin.HouseholdImportOutcome, error) {
	t.batches++
	if t.batches == 2 {
		close(t.s.blocked)
		select {
		case <-t.s.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return t.HouseholdImportTx.Import(ctx, hs, opts)
}

// TestImportCancel cancels a commit half-way: it is rolled back.
func TestImportCancel(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		slow := &slowImporter{blocked: make(chan struct{}), release: make(chan struct{})}
		e := newEnv(t, db, jobs.Config{BatchSize: 5}, func(hi tuopin.HouseholdImporter) tuopin.HouseholdImporter {
			slow.HouseholdImporter = hi
			return slow
		})
		j := e.upload(e.county, "big.xlsx", encode(t, xlsx.FormatXLSX, xlsx.LayoutNational, households(0, 40)), tuopin.ImportOptions{})
		e.validate(e.county, j.ID, nil)
		if _, err := e.runner.CommitImport(sqldbtest.Ctx(e.county), j.ID, ""); err != nil {
			t.Fatal(err)
		}
		select {
		case <-slow.blocked:
		case <-time.After(30 * time.Second):
			t.Fatal("the commit never reached its second batch")
		}
		// The first batch is written in the open transaction; live
		// progress shows it.
		live, err := e.runner.FindImportByID(sqldbtest.Ctx(e.county), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if live.Status != tuopin.ImportCommitting || live.Counts.Created != 5 || live.Progress.RowsRead == 0 || live.Progress.Percent() == 0 {
			t.Fatalf("live job %s %+v %+v", live.Status, live.Counts, live.Progress)
		}
		j, err = e.runner.CancelImport(sqldbtest.Ctx(e.county), j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != tuopin.ImportCancelled {
			t.Fatalf("after cancel: %s", j.Status)
		}
		if n := e.count("451224104", 2024); n != 0 {
			t.Fatalf("%d households survived the cancel", n)
		}
		if n := e.auditCount(tuopin.ActionHouseholdCreate); n != 0 {
			t.Fatalf("%d create entries survived the cancel", n)
		}
		if n := e.auditCount(tuopin.ActionImportCancel); n != 1 {
			t.Fatalf("%d cancel entries", n)
		}
		if _, err := e.runner.ValidateImport(sqldbtest.Ctx(e.county), j.ID, nil); tuopin.ErrorCode(err) != tuopin.ECONFLICT {
			t.Fatalf("dry run of a cancelled job: %v", err)
		}
	})
}

// TestImportRestart: a new runner takes over what a stopped one left.
func TestImportRestart(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{}, nil)
		file := encode(t, xlsx.FormatCSV, xlsx.LayoutNational, households(0, 6))
		ctx := sqldbtest.Ctx(e.county)

		// A commit under way in a process that died.
		committing := e.upload(e.county, "a.csv", file, tuopin.ImportOptions{})
		committing = e.validate(e.county, committing.ID, nil)
		committing.Status, committing.Phase, committing.Worker = tuopin.ImportCommitting, tuopin.ImportPhaseCommit, "dead:1:x"
		if err := e.store.UpdateImportJob(ctx, committing, tuopin.ImportValidated); err != nil {
			t.Fatal(err)
		}
		// A dry run under way there too.
		validating := e.upload(e.county, "b.csv", file, tuopin.ImportOptions{})
		validating.Status, validating.Phase, validating.Worker, validating.ActorID = tuopin.ImportValidating, tuopin.ImportPhaseValidate, "dead:1:x", e.county.ID
		if err := e.store.UpdateImportJob(ctx, validating, tuopin.ImportUploaded); err != nil {
			t.Fatal(err)
		}

		// A runner that starts an hour later finds their heartbeats stale.
		later := func() time.Time { return time.Now().Add(time.Hour) }
		r2 := e.newRunner(jobs.Config{Now: later}, nil)
		got, err := r2.FindImportByID(ctx, committing.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tuopin.ImportFailed || !strings.Contains(got.Error, "interrupted") || !strings.Contains(got.ErrorZH, "中断") {
			t.Fatalf("interrupted commit: %s %q", got.Status, got.Error)
		}
		e.runner = r2
		if got := e.wait(e.county, validating.ID); got.Status != tuopin.ImportValidated || got.Counts.Created != 6 {
			t.Fatalf("resumed dry run: %s %+v %q", got.Status, got.Counts, got.Error)
		}
		// The interrupted commit runs again from its dry run.
		if got := e.validate(e.county, committing.ID, nil); got.Status != tuopin.ImportValidated {
			t.Fatalf("dry run after interruption: %s", got.Status)
		}
		if got := e.commit(e.county, committing.ID, ""); got.Status != tuopin.ImportDone || got.Counts.Created != 6 {
			t.Fatalf("commit after interruption: %s %+v", got.Status, got.Counts)
		}
	})
}

// TestImportFixtures imports the real files of xlsx/testdata: a BIFF8 .xls
// with a merged header and an ID number stored as a number, and a blank
// national template.
func TestImportFixtures(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{}, nil)
		xls, err := os.ReadFile("../xlsx/testdata/households.xls")
		if err != nil {
			t.Fatal(err)
		}
		j := e.upload(e.township, "households.xls", xls, tuopin.ImportOptions{})
		if j.Format != "xls" || j.Mapping.HeaderRow != 2 || j.Mapping.HeaderRows != 2 || len(j.Sheets) != 2 {
			t.Fatalf("xls job %+v", j)
		}
		j = e.validate(e.township, j.ID, nil)
		if j.Status != tuopin.ImportValidated || j.Counts.Households != 2 || j.Counts.Created != 1 || j.Counts.RefusedHouseholds != 1 {
			t.Fatalf("xls dry run %s %+v %q %+v", j.Status, j.Counts, j.Error, j.Preview)
		}
		if x := j.Preview[0]; x.Row != 6 || x.Column != "L" || x.Code != xlsx.CodeStoredAsNumber {
			t.Fatalf("xls report %+v", j.Preview)
		}
		j = e.commit(e.township, j.ID, tuopin.ImportSkipRefused)
		if j.Status != tuopin.ImportDone || e.count("451224104201", 2016) != 1 {
			t.Fatalf("xls commit %s %+v", j.Status, j.Counts)
		}

		tmpl, err := os.ReadFile("../xlsx/testdata/templates/家庭成员数据导入模板.xls")
		if err != nil {
			t.Fatal(err)
		}
		j = e.upload(e.township, "家庭成员数据导入模板.xls", tmpl, tuopin.ImportOptions{Year: 2016})
		if f := j.Mapping.Fields(); len(j.Mapping.Columns) < 10 || !f["number"] || !f["name"] || !f["education"] {
			t.Fatalf("template mapping %+v", j.Mapping)
		}
		if _, err := e.runner.ValidateImport(sqldbtest.Ctx(e.township), j.ID, nil); err != nil {
			// The template lacks a required column: the mapping says which.
			if tuopin.ErrorCode(err) != tuopin.EINVALID || len(tuopin.ErrorFields(err)) == 0 {
				t.Fatalf("template dry run: %v", err)
			}
			return
		}
		j = e.wait(e.township, j.ID)
		if j.Status != tuopin.ImportFailed || !strings.Contains(j.Error, "no household rows") {
			t.Fatalf("template dry run %s %q", j.Status, j.Error)
		}
	})
}

// TestImportMapping changes a mapping, which is remembered for the next
// file of the same layout, and refuses one that cannot import.
func TestImportMapping(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{}, nil)
		// A layout whose income column has a header no one knows.
		csv := "户编号,年度,行政区划代码,贫困户属性,主要致贫原因,脱贫状态,姓名,证件号码,与户主关系,收入情况(元)\r\n"
		for _, h := range households(0, 3) {
			for i, m := range h.Members {
				rel := m.Relation
				if i == 0 {
					rel = "01"
				}
				csv += strings.Join([]string{h.Number, "2024", h.AreaCode, "01", "01", "0", m.Name, m.IDNumber, rel, "4321.5"}, ",") + "\r\n"
			}
		}
		j := e.upload(e.county, "a.csv", []byte(csv), tuopin.ImportOptions{})
		last := j.Mapping.Columns[len(j.Mapping.Columns)-1]
		if last.Field != "" || last.Status != xlsx.StatusUnmapped {
			t.Fatalf("unknown header mapped: %+v", last)
		}
		// A mapping without the ID number column is refused.
		bad := *j.Mapping
		bad.Columns = append([]tuopin.ImportColumn(nil), j.Mapping.Columns...)
		for i := range bad.Columns {
			if bad.Columns[i].Field == "id_number" {
				bad.Columns[i].Field = ""
			}
		}
		_, err := e.runner.ValidateImport(sqldbtest.Ctx(e.county), j.ID, &tuopin.ImportChange{Mapping: &bad})
		if fe := tuopin.ErrorFields(err)["id_number"]; fe.Code != "mapping_required" {
			t.Fatalf("mapping without ID numbers: %v", err)
		}
		// The user maps the income column.
		m := *j.Mapping
		m.Columns = append([]tuopin.ImportColumn(nil), j.Mapping.Columns...)
		m.Columns[len(m.Columns)-1].Field = "income_per_capita"
		j = e.validate(e.county, j.ID, &tuopin.ImportChange{Mapping: &m})
		if j.Status != tuopin.ImportValidated || j.Counts.Created != 3 || j.Mapping.Columns[len(m.Columns)-1].Status != xlsx.StatusStored {
			t.Fatalf("dry run with the mapping: %s %+v", j.Status, j.Counts)
		}
		j = e.commit(e.county, j.ID, "")
		h := e.all("451224104201")[0]
		if h.IncomePerCapita != 432150 {
			t.Fatalf("income %v", h.IncomePerCapita)
		}
		// Reading a GBK file as UTF-8 garbles its header: the new mapping
		// is proposed, and no dry run starts until it is confirmed.
		gbk := e.upload(e.county, "gbk.csv", encode(t, xlsx.FormatCSVGBK, xlsx.LayoutNational, households(50, 2)), tuopin.ImportOptions{})
		utf8 := tuopin.ImportEncodingUTF8
		got, err := e.runner.ValidateImport(sqldbtest.Ctx(e.county), gbk.ID, &tuopin.ImportChange{Encoding: &utf8, Mapping: gbk.Mapping})
		if err != nil || got.Status != tuopin.ImportUploaded || got.Mapping.Fields()["id_number"] {
			t.Fatalf("encoding change: %v %s %+v", err, got.Status, got.Mapping)
		}
		gbkEnc := tuopin.ImportEncodingGBK
		if got, err = e.runner.ValidateImport(sqldbtest.Ctx(e.county), gbk.ID, &tuopin.ImportChange{Encoding: &gbkEnc}); err != nil ||
			got.Status != tuopin.ImportUploaded || !got.Mapping.Fields()["id_number"] {
			t.Fatalf("encoding back: %v %s", err, got.Status)
		}
		if got = e.validate(e.county, gbk.ID, nil); got.Status != tuopin.ImportValidated || got.Counts.Created != 2 || got.Encoding != xlsx.EncodingGB18030 {
			t.Fatalf("dry run after the encoding change: %s %+v", got.Status, got.Counts)
		}

		// The next file of the layout gets the mapping back, at the
		// county and for its townships.
		for _, u := range []*tuopin.User{e.county, e.township} {
			next := e.upload(u, "b.csv", []byte(csv), tuopin.ImportOptions{})
			if !next.MappingRemembered || next.Mapping.Columns[len(m.Columns)-1].Field != "income_per_capita" {
				t.Fatalf("%s: mapping not remembered: %+v", u.Username, next.Mapping.Columns)
			}
		}
	})
}

// TestImportUploadErrors refuses files that cannot be imported.
func TestImportUploadErrors(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db, jobs.Config{MaxUploadBytes: 1 << 20}, nil)
	ctx := sqldbtest.Ctx(e.county)
	for _, tc := range []struct {
		name string
		body []byte
		opts tuopin.ImportOptions
		key  string
		code string
	}{
		{"empty.csv", nil, tuopin.ImportOptions{}, "file", "file_empty"},
		{"big.csv", bytes.Repeat([]byte("a,b\r\n"), 300_000), tuopin.ImportOptions{}, "file", "file_too_large"},
		{"zip.xlsx", []byte("PK\x03\x04 not really a zip file at all"), tuopin.ImportOptions{}, "file", "file_unreadable"},
		{"noheader.csv", []byte("1\r\n2\r\n"), tuopin.ImportOptions{}, "file", "no_header"},
		{"a.csv", []byte("户编号,姓名\r\n"), tuopin.ImportOptions{Policy: "sometimes"}, "policy", "invalid_choice"},
		{"a.csv", []byte("户编号,姓名\r\n"), tuopin.ImportOptions{Sheet: 3}, "sheet", "invalid_sheet"},
	} {
		_, err := e.runner.CreateImport(ctx, tuopin.ImportUpload{FileName: tc.name, Body: bytes.NewReader(tc.body), Options: tc.opts})
		if fe := tuopin.ErrorFields(err)[tc.key]; fe.Code != tc.code {
			t.Errorf("%s: %v, want %s on %s", tc.name, err, tc.code, tc.key)
		}
	}
	if entries, _ := os.ReadDir(e.dir); len(entries) != 0 {
		t.Errorf("refused uploads left files: %v", entries)
	}
}

// TestImportManyBatches commits a file of many batches over every village
// of 东兰县 in its one transaction: each batch takes storage's bulk path
// (COPY on PostgreSQL) and adds thousands of roll-up rows.
func TestImportManyBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,000 households")
	}
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db, jobs.Config{BatchSize: 500}, nil)
		var villages []string
		for _, a := range seedAreas {
			if a.Level == tuopin.LevelVillage && strings.HasPrefix(a.Code, "451224") {
				villages = append(villages, a.Code)
			}
		}
		var hs []*tuopin.Household
		g := bench.NewGenerator(villages, 2024, 2000, 7)
		for h := g.Next(); h != nil; h = g.Next() {
			h.Normalize(time.Now())
			hs = append(hs, h)
		}
		j := e.upload(e.county, "county.csv", encode(t, xlsx.FormatCSV, xlsx.LayoutNational, hs), tuopin.ImportOptions{})
		if j = e.validate(e.county, j.ID, nil); j.Counts.Created != 2000 {
			t.Fatalf("dry run %s %+v %q", j.Status, j.Counts, j.Error)
		}
		if j = e.commit(e.county, j.ID, ""); j.Status != tuopin.ImportDone || j.Counts.Created != 2000 {
			t.Fatalf("commit %s %+v %q", j.Status, j.Counts, j.Error)
		}
		if n := e.count("451224", 2024); n != 2000 {
			t.Fatalf("%d households stored", n)
		}
		// The roll-ups, brought up to date once at the end of the commit,
		// agree with a recomputation from the stored rows.
		rep, err := sqldb.NewRollupService(db).CheckRollups(sqldbtest.Ctx(tuopin.SystemUser), 2024)
		if err != nil || rep.Mismatch != 0 || rep.Rows == 0 {
			t.Fatalf("roll-up check after the import: %+v, %v", rep, err)
		}
	})
}
