package jobs

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// pass is one streaming pass over a job's file: the dry run or the commit.
type pass struct {
	r   *Runner
	job *tuopin.ImportJob
	act *active

	codes   *tuopin.CodeSet
	mapping *xlsx.Mapping
	cols    map[string]int // field → column
	opts    tuopin.HouseholdImportOptions
	user    *tuopin.User

	counts  tuopin.ImportCounts
	preview []tuopin.ImportRowError
	report  *xlsx.ErrorReportWriter
	ids     map[uint64]int32 // hash of year and ID number → first row
	batch   []item
	// refused collects, during a commit, the refused households with a
	// cross-county ID clash, for the review queue.
	refused    []tuopin.RefusedHousehold
	committing bool

	lastCheck time.Time // of cancel_requested
}

// item is a household decoded from the file with its rows.
type item struct {
	h    *tuopin.Household
	rows []int
}

// countingReader reads the job's file, counting the bytes read for the
// progress of the first pass, and stops reading once ctx is done.
type countingReader struct {
	ctx  context.Context
	f    *os.File
	read atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.f.ReadAt(p, off)
	c.read.Add(int64(n))
	return n, err
}

// run opens the job's file and streams it through the decoder: rows and
// households the decoder refuses, and households giving an ID number twice
// in the file, go to the report; the others are handed to flush in
// batches of Config.BatchSize, in file order. It writes the report and
// leaves the counts, the preview and the final progress on the job.
func (p *pass) run(ctx context.Context, flush func(ctx context.Context, batch []item) error) error {
	p.user = tuopin.UserFromContext(ctx)
	f, err := os.Open(p.r.sourcePath(p.job.ID))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return tuopin.Errorf(tuopin.ECONFLICT, "The uploaded file of import %d is gone from the server; upload it again.", p.job.ID)
		}
		return err
	}
	defer f.Close()
	cr := &countingReader{ctx: ctx, f: f}
	wb, err := xlsx.Open(cr, p.job.FileSize, xlsx.OpenOptions{Encoding: encodingOption(p.job.Options.Encoding)})
	if err != nil {
		return p.readErr(ctx, err)
	}
	if p.codes, err = p.r.svc.Codes.FindCodeSet(ctx); err != nil {
		return err
	}
	if p.job.Mapping == nil {
		return tuopin.FieldErr("mapping", "required", "The file has no column mapping.")
	}
	p.mapping = toXLSXMapping(p.job.Mapping)
	if err := p.mapping.Check(); err != nil {
		return err
	}
	p.cols = map[string]int{}
	for _, c := range p.mapping.Columns {
		if c.Field != "" {
			p.cols[c.Field] = c.Index
		}
	}
	p.opts = tuopin.HouseholdImportOptions{Fields: p.job.Mapping.Fields(),
		Reason: fmt.Sprintf("导入 %s（导入任务 %d）", p.job.FileName, p.job.ID)}
	resolver := newAreaResolver(ctx, p.r.svc.Areas)

	// The first pass (grouping rows by household) reports bytes.
	stopScan := make(chan struct{})
	defer func() {
		select {
		case <-stopScan:
		default:
			close(stopScan)
		}
	}()
	cr.read.Store(0)
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopScan:
				return
			case <-t.C:
				p.act.setProgress(func(pr *tuopin.ImportProgress) {
					pr.Step, pr.BytesRead = "scan", min(cr.read.Load(), p.job.FileSize)
				})
			}
		}
	}()
	dec, err := xlsx.NewHouseholdDecoder(wb, xlsx.DecodeOptions{
		Sheet: p.job.Options.Sheet, Mapping: p.mapping, Codes: p.codes, Year: p.job.Options.Year,
		Now: p.r.cfg.Now(), ResolveArea: resolver.resolve,
	})
	close(stopScan)
	if err != nil {
		return p.readErr(ctx, err)
	}
	defer dec.Close()
	_, totalRows := dec.Total()
	p.act.setProgress(func(pr *tuopin.ImportProgress) {
		pr.Step, pr.BytesRead, pr.RowsTotal = "rows", p.job.FileSize, totalRows
	})

	// The report, streamed to a temporary file.
	tmpPath := p.r.reportPath(p.job.ID) + ".tmp"
	rf, err := os.Create(tmpPath)
	if err != nil {
		return err
	}
	defer func() {
		rf.Close()
		os.Remove(tmpPath)
	}()
	if p.report, err = xlsx.NewErrorReportWriter(rf); err != nil {
		return err
	}
	p.ids = map[uint64]int32{}

	for {
		if err := p.checkCancel(ctx); err != nil {
			return err
		}
		h, errs, err := dec.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return p.readErr(ctx, err)
		}
		if resolver.err != nil {
			return resolver.err
		}
		rows := append([]int(nil), dec.LastRows()...)
		p.counts.Rows += len(rows)
		if h == nil {
			if err := p.refuseRows(rows, errs); err != nil {
				return err
			}
		} else {
			p.counts.Households++
			p.counts.Members += len(h.Members)
			switch dup := p.fileDuplicates(h, rows); {
			case len(errs) > 0:
				conv := make([]tuopin.ImportRowError, len(errs))
				for i, e := range errs {
					conv[i] = rowErrorOf(e)
				}
				if err := p.refuseHousehold(h, rows, conv, nil); err != nil {
					return err
				}
			case len(dup) > 0:
				if err := p.refuseHousehold(h, rows, dup, nil); err != nil {
					return err
				}
			default:
				p.batch = append(p.batch, item{h, rows})
			}
		}
		if len(p.batch) >= p.r.cfg.BatchSize {
			if err := p.flush(ctx, flush); err != nil {
				return err
			}
		}
		p.publish()
	}
	if err := p.flush(ctx, flush); err != nil {
		return err
	}
	p.publish()

	// The report: kept when it lists something.
	if err := p.report.Close(); err != nil {
		return err
	}
	if err := rf.Close(); err != nil {
		return err
	}
	p.job.HasReport = p.counts.Errors > 0
	if p.job.HasReport {
		if err := os.Rename(tmpPath, p.r.reportPath(p.job.ID)); err != nil {
			return err
		}
	} else {
		os.Remove(p.r.reportPath(p.job.ID))
	}
	p.job.Counts, p.job.Preview = p.counts, p.preview
	p.job.Progress.Step, p.job.Progress.RowsRead, p.job.Progress.RowsTotal = "rows", p.counts.Rows, totalRows
	p.job.Progress.BytesRead, p.job.Progress.BytesTotal = p.job.FileSize, p.job.FileSize
	if p.counts.Households == 0 && p.counts.RefusedRows == 0 {
		return tuopin.Errorf(tuopin.EINVALID, "The sheet has no household rows below its header.")
	}
	return nil
}

// readErr reports an error reading the file: the context's when it ended.
func (p *pass) readErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return unreadable(err)
}

// flush hands the batch to the phase's flush.
func (p *pass) flush(ctx context.Context, flush func(context.Context, []item) error) error {
	if len(p.batch) == 0 {
		return nil
	}
	err := flush(ctx, p.batch)
	clear(p.batch)
	p.batch = p.batch[:0]
	return err
}

// publish shows the counts and rows read so far on the job's page.
func (p *pass) publish() {
	p.act.mu.Lock()
	p.act.counts = p.counts
	p.act.progress.RowsRead = p.counts.Rows
	p.act.mu.Unlock()
}

// checkCancel ends the pass when its context is done or, checked every
// two seconds, a cancel was asked through the database.
func (p *pass) checkCancel(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if now := time.Now(); now.Sub(p.lastCheck) >= 2*time.Second {
		p.lastCheck = now
		yes, err := p.r.svc.Store.ImportCancelRequested(ctx, p.job.ID)
		if err != nil {
			return err
		}
		if yes {
			return errRemoteCancel
		}
	}
	return nil
}

// errRemoteCancel ends a pass whose cancel was asked through the database.
var errRemoteCancel = errors.New("jobs: cancel requested")

// idKey hashes a year and an ID number.
func idKey(year int, id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.Itoa(year)))
	h.Write([]byte{':'})
	h.Write([]byte(id))
	return h.Sum64()
}

// fileDuplicates returns the errors of members whose ID number an earlier
// household of the file gave already, and notes the household's ID numbers.
// (A 64-bit hash stands for the number: a false match among 10^6 numbers
// has odds of about 1 in 10^7.)
func (p *pass) fileDuplicates(h *tuopin.Household, rows []int) []tuopin.ImportRowError {
	var out []tuopin.ImportRowError
	for j, m := range h.Members {
		if m.IDNumber == "" || j >= len(rows) {
			continue
		}
		k := idKey(h.Year, tuopin.NormalizeIDNumber(m.IDNumber))
		first, dup := p.ids[k]
		if !dup {
			p.ids[k] = int32(rows[j])
			continue
		}
		if int(first) == rows[j] {
			continue
		}
		e := p.cellError(rows[j], xlsx.FieldIDNumber, m.IDNumber, h.Number, "duplicate",
			fmt.Sprintf("ID number %s is given on row %d too: a person is registered once a year.", m.IDNumber, first),
			fmt.Sprintf("身份证号 %s 在第 %d 行也出现过：一个人每年只能登记一次。", m.IDNumber, first))
		out = append(out, e)
	}
	return out
}

// cellError builds a report line for a field of a row.
func (p *pass) cellError(row int, field, value, household, code, en, zh string) tuopin.ImportRowError {
	e := tuopin.ImportRowError{Row: row, Field: field, Value: value, Household: household, Code: code, Reason: en, ReasonZH: zh}
	col, ok := p.cols[field]
	if !ok && field == xlsx.FieldAreaCode {
		for _, alt := range []string{xlsx.FieldVillage, xlsx.FieldAreaName} {
			if col, ok = p.cols[alt]; ok {
				break
			}
		}
	}
	if ok {
		e.Column = xlsx.ColumnLetter(col)
		for _, c := range p.mapping.Columns {
			if c.Index == col {
				e.Header = c.Header
				break
			}
		}
	}
	return e
}

// write adds report lines.
func (p *pass) write(errs ...tuopin.ImportRowError) error {
	for _, e := range errs {
		if len(p.preview) < tuopin.ImportPreviewRows {
			p.preview = append(p.preview, e)
		}
		p.counts.Errors++
		if err := p.report.Write(xlsxRowError(e)); err != nil {
			return err
		}
	}
	return nil
}

// refuseRows lists rows that belong to no household.
func (p *pass) refuseRows(rows []int, errs []xlsx.RowError) error {
	p.counts.RefusedRows += len(rows)
	for _, e := range errs {
		if err := p.write(rowErrorOf(e)); err != nil {
			return err
		}
	}
	return nil
}

// refuseHousehold lists a refused household: its errors, and each of its
// other rows as not imported because of them.
func (p *pass) refuseHousehold(h *tuopin.Household, rows []int, errs []tuopin.ImportRowError, clashes []tuopin.IDClash) error {
	p.counts.RefusedHouseholds++
	p.counts.RefusedRows += len(rows)
	listed := map[int]bool{}
	first := 0
	for _, e := range errs {
		listed[e.Row] = true
		if first == 0 || e.Row < first {
			first = e.Row
		}
	}
	lines := append([]tuopin.ImportRowError(nil), errs...)
	for _, row := range rows {
		if listed[row] {
			continue
		}
		lines = append(lines, tuopin.ImportRowError{Row: row, Household: h.Number, Code: "household_refused",
			Reason:   fmt.Sprintf("Not imported: row %d of household %s was refused, and a household is imported whole or not at all.", first, h.Number),
			ReasonZH: fmt.Sprintf("未导入：同户（户编号 %s）第 %d 行有错误，一户须整户导入。", h.Number, first)})
	}
	// The household's lines in the order of the file.
	sort.SliceStable(lines, func(a, b int) bool {
		if lines[a].Row != lines[b].Row {
			return lines[a].Row < lines[b].Row
		}
		return columnOrder(lines[a].Column) < columnOrder(lines[b].Column)
	})
	if err := p.write(lines...); err != nil {
		return err
	}
	if p.committing {
		for _, c := range clashes {
			if c.CrossCounty {
				p.refused = append(p.refused, tuopin.RefusedHousehold{Household: h, Clashes: clashes})
				break
			}
		}
	}
	return nil
}

// account books the outcome of a household that reached storage.
func (p *pass) account(it item, o tuopin.HouseholdImportOutcome) error {
	switch o.Action {
	case tuopin.ImportCreate:
		p.counts.Created++
	case tuopin.ImportUpdate:
		p.counts.Updated++
	case tuopin.ImportUnchanged:
		p.counts.Unchanged++
	default:
		return p.refuseHousehold(it.h, it.rows, p.storageErrors(it, o), o.Clashes)
	}
	return nil
}

// validate is the dry run.
func (p *pass) validate(ctx context.Context) error {
	err := p.run(ctx, func(ctx context.Context, batch []item) error {
		hs := households(batch)
		outs, err := p.r.svc.Households.CheckImport(ctx, hs, p.opts)
		if err != nil {
			return err
		}
		for i, o := range outs {
			if err := p.account(batch[i], o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	now := p.r.cfg.Now().UTC()
	j := p.job
	j.Status, j.Phase, j.Worker, j.ValidatedAt, j.FinishedAt = tuopin.ImportValidated, "", "", &now, &now
	return p.r.svc.Store.UpdateImportJob(ctx, j, tuopin.ImportValidating)
}

func households(batch []item) []*tuopin.Household {
	hs := make([]*tuopin.Household, len(batch))
	for i, it := range batch {
		hs[i] = it.h
	}
	return hs
}

// commit writes the file in one transaction. Under all_or_nothing the
// first refused row rolls it back; the rest of the file is still checked,
// read-only, so that the report lists every refused row.
func (p *pass) commit(ctx context.Context) error {
	p.committing = true
	policy := p.job.CommitPolicy
	if policy == "" {
		policy = p.job.Options.Policy
	}
	tx, err := p.r.svc.Households.BeginImport(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if tx != nil {
			tx.Rollback()
		}
	}()
	abandon := func() {
		if tx != nil && policy == tuopin.ImportAllOrNothing && p.counts.RefusedRows > 0 {
			tx.Rollback()
			tx = nil
		}
	}
	err = p.run(ctx, func(ctx context.Context, batch []item) error {
		abandon()
		hs := households(batch)
		var outs []tuopin.HouseholdImportOutcome
		var err error
		if tx != nil {
			outs, err = tx.Import(ctx, hs, p.opts)
		} else {
			outs, err = p.r.svc.Households.CheckImport(ctx, hs, p.opts)
		}
		if err != nil {
			return err
		}
		for i, o := range outs {
			if err := p.account(batch[i], o); err != nil {
				return err
			}
		}
		abandon()
		return nil
	})
	if err != nil {
		return err
	}
	abandon()
	source := fmt.Sprintf("import job %d", p.job.ID)
	j := p.job
	if tx == nil {
		// Refused rows under all or nothing: nothing was written.
		p.fileReviews(ctx, source)
		return &refusedError{
			en: fmt.Sprintf("The commit refused %d row(s) of %d household(s) (see the report): under “all or nothing” nothing was written. Correct the file and import it again, or commit with “skip refused rows”.",
				p.counts.RefusedRows, p.counts.RefusedHouseholds),
			zh: fmt.Sprintf("提交时有 %d 户共 %d 行未通过校验（见错误报告）：按“全部或全不”策略，没有写入任何数据。请更正文件后重新导入，或选择“跳过有错误的行”提交。",
				p.counts.RefusedHouseholds, p.counts.RefusedRows),
		}
	}
	// The reviews commit with the households.
	if len(p.refused) > 0 {
		n, err := tx.FileIDClashReviews(ctx, source, p.refused)
		if err != nil {
			return err
		}
		p.counts.ReviewsFiled = n
		j.Counts.ReviewsFiled = n
	}
	if err := tx.Finish(ctx, j); err != nil {
		return err
	}
	tx = nil
	return nil
}

// fileReviews files the cross-county ID clashes of the refused households
// of a commit that wrote nothing in the review queue, in a transaction of
// their own. A failure is logged: the job's outcome stands.
func (p *pass) fileReviews(ctx context.Context, source string) {
	if len(p.refused) == 0 || p.r.svc.Reviewer == nil {
		return
	}
	n, err := p.r.svc.Reviewer.FileIDClashReviews(ctx, source, p.refused)
	if err != nil {
		p.r.log.Error("import: file ID reviews", "job", p.job.ID, "err", err)
		return
	}
	p.counts.ReviewsFiled += n
	p.job.Counts.ReviewsFiled = p.counts.ReviewsFiled
}

// columnOrder orders column letters as a spreadsheet does (B before AA);
// a line without a column comes first.
func columnOrder(letters string) int {
	n := 0
	for _, c := range letters {
		n = n*26 + int(c-'A'+1)
	}
	return n
}
