package main

import (
	"context"
	"fmt"
)

func (m *Main) runAudit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(m.Stderr, "Usage: tuopin audit verify [flags]\n\nWalks the audit log's hash chain. Exits 1 naming the first entry that\nwas edited, deleted or re-linked.\n")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2}
	}
	var cf commonFlags
	fs := newFlagSet(m, "audit verify", "Usage: tuopin audit verify [flags]\n\nWalks the audit log's hash chain. Exits 1 naming the first entry that\nwas edited, deleted or re-linked.")
	cf.register(fs, false)
	cfg, err := m.parseConfig(fs, &cf, args[1:])
	if err != nil {
		return err
	}
	s, err := m.openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	rep, err := s.audit.VerifyAuditChain(systemCtx(ctx))
	if err != nil {
		return err
	}
	if !rep.OK {
		return &exitError{code: 1, msg: fmt.Sprintf("audit chain BROKEN at entry %d: %s (%d entries checked)", rep.FirstBadID, rep.Problem, rep.Entries)}
	}
	fmt.Fprintf(m.Stdout, "audit chain OK: %d entries verified\n", rep.Entries)
	return nil
}
