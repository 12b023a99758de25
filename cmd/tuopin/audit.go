package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

const auditUsage = `Usage: tuopin audit keygen|checkpoint|verify [flags]

The audit log is a hash chain and a Merkle tree over it. The chain shows a
row edited or removed in the middle; only a checkpoint kept outside the
database shows the tail cut off or the history rewritten with its hashes
recomputed (docs/audit.md).

  keygen      write a signing key pair for checkpoints (once, on a machine
              the database's operators do not control)
  checkpoint  verify the log and sign a checkpoint of it (its size and
              root) for an auditor to keep elsewhere; daily, from cron
  verify      walk the chain and the tree; with --checkpoint, prove that
              the log still holds everything the checkpoint covers

Run 'tuopin audit verify -h' and so on for the flags.
`

var auditSynopsis = map[string]string{
	"keygen": `Usage: tuopin audit keygen --name NAME [--out PREFIX]

Writes a new Ed25519 key pair for signing checkpoints: PREFIX.key, the
private key (mode 0600), and PREFIX.pub, the public key for the auditors.
NAME names the log in every checkpoint, e.g. dl.gx.example/tuopin. Keep the
private key off the database's machine and out of its backups: whoever
holds both can rewrite the log and sign it again.`,
	"checkpoint": `Usage: tuopin audit checkpoint --key FILE [--out FILE] [--previous FILE] [flags]

Walks the audit log as verify does and, if it is whole, signs a checkpoint
of it: its name, number of entries, Merkle root and time. With --previous,
signs only if the log still extends that older checkpoint. Writes the
checkpoint to --out (never over an existing file) or to standard output.
The key is also read from TUOPIN_AUDIT_KEY or the config file's audit_key.`,
	"verify": `Usage: tuopin audit verify [--checkpoint FILE [--key PUBFILE]] [flags]

Walks the audit log's hash chain and Merkle tree. Exits 1 naming the first
entry that was edited, deleted, re-linked or stored in another form. With
--checkpoint, also checks the checkpoint's signature and proves that the
log still holds the entries it covers, unchanged: exits 1 when the log was
cut short, emptied or rewritten with its hashes recomputed. --key pins the
public key the checkpoint must be signed with (the .pub file that keygen
wrote); without it the key named in the checkpoint is used.`,
}

func (m *Main) runAudit(ctx context.Context, args []string) error {
	if len(args) == 0 || auditSynopsis[args[0]] == "" {
		fmt.Fprint(m.Stderr, auditUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2}
	}
	switch args[0] {
	case "keygen":
		return m.runAuditKeygen(args[1:])
	case "checkpoint":
		return m.runAuditCheckpoint(ctx, args[1:])
	}
	return m.runAuditVerify(ctx, args[1:])
}

func (m *Main) runAuditKeygen(args []string) error {
	fs := newFlagSet(m, "audit keygen", auditSynopsis["keygen"])
	name := fs.String("name", "", "the log's name, e.g. dl.gx.example/tuopin (required)")
	out := fs.String("out", "tuopin-audit", "write PREFIX.key and PREFIX.pub")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *name == "" || fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2}
	}
	priv, pub, err := tuopin.GenerateAuditKey(*name, rand.Reader)
	if err != nil {
		return errors.New(tuopin.ErrorMessage(err))
	}
	keyFile, pubFile := *out+".key", *out+".pub"
	if err := writeNew(keyFile, []byte(priv+"\n"), 0o600); err != nil {
		return err
	}
	if err := writeNew(pubFile, []byte(pub+"\n"), 0o644); err != nil {
		os.Remove(keyFile)
		return err
	}
	fmt.Fprintf(m.Stdout, "private key: %s (keep it away from the database and its backups)\npublic key:  %s\n  %s\n", keyFile, pubFile, pub)
	return nil
}

func (m *Main) runAuditCheckpoint(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet(m, "audit checkpoint", auditSynopsis["checkpoint"])
	cf.register(fs, false)
	key := fs.String("key", "", "the private key file keygen wrote (env TUOPIN_AUDIT_KEY)")
	out := fs.String("out", "", "write the checkpoint to this new file (default: standard output)")
	previous := fs.String("previous", "", "an older checkpoint the log must still extend")
	cfg, err := m.parseConfig(fs, &cf, args)
	if err != nil {
		return err
	}
	if *key != "" {
		cfg.AuditKey = *key
	}
	if cfg.AuditKey == "" || fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, msg: "tuopin audit checkpoint: --key (or TUOPIN_AUDIT_KEY) is required"}
	}
	text, err := readSmall(cfg.AuditKey, 4<<10)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	signer, err := tuopin.ParseAuditSigner(string(text))
	if err != nil {
		return fmt.Errorf("signing key %s: %s", cfg.AuditKey, tuopin.ErrorMessage(err))
	}
	if cfg.DB == "" && within(cfg.Data, cfg.AuditKey) {
		fmt.Fprintf(m.Stderr, "warning: the signing key %s lies in the data folder %s: whoever copies or restores the database has it too\n", cfg.AuditKey, cfg.Data)
	}
	var prev *tuopin.Checkpoint
	if *previous != "" {
		// The previous checkpoint must be this key's own.
		if prev, err = readCheckpoint(*previous, signer.Verifier()); err != nil {
			return err
		}
	}
	s, err := m.openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	rep, err := s.audit.VerifyAuditLog(systemCtx(ctx), prev)
	if err != nil {
		return err
	}
	if !rep.OK {
		return &exitError{code: 1, msg: "no checkpoint signed: " + reportProblem(rep)}
	}
	note, err := signer.SignCheckpoint(int64(rep.Entries), rep.Root, time.Now())
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := m.Stdout.Write(note)
		return err
	}
	if err := writeNew(*out, note, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "checkpoint of %s: %d entries, root %s, written to %s\n", signer.Name(), rep.Entries, rep.Root, *out)
	if prev != nil {
		fmt.Fprintf(m.Stdout, "extends %s (%d entries)\n", *previous, prev.Size)
	}
	return nil
}

func (m *Main) runAuditVerify(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet(m, "audit verify", auditSynopsis["verify"])
	cf.register(fs, false)
	checkpoint := fs.String("checkpoint", "", "a checkpoint file the log must still extend")
	key := fs.String("key", "", "the public key file (PUBFILE.pub) the checkpoint must be signed with")
	cfg, err := m.parseConfig(fs, &cf, args)
	if err != nil {
		return err
	}
	if fs.NArg() > 0 || (*key != "" && *checkpoint == "") {
		fs.Usage()
		return &exitError{code: 2}
	}
	var cp *tuopin.Checkpoint
	if *checkpoint != "" {
		var pinned *tuopin.AuditVerifier
		if *key != "" {
			text, err := readSmall(*key, 4<<10)
			if err != nil {
				return fmt.Errorf("public key: %w", err)
			}
			if pinned, err = tuopin.ParseAuditVerifier(string(text)); err != nil {
				return fmt.Errorf("public key %s: %s", *key, tuopin.ErrorMessage(err))
			}
		}
		if cp, err = readCheckpoint(*checkpoint, pinned); err != nil {
			return err
		}
		if pinned == nil {
			fmt.Fprintf(m.Stderr, "warning: no --key given: the checkpoint is checked with the key it names, %s; pin the key you hold with --key to know the checkpoint is yours\n", cp.Key)
		}
	}
	s, err := m.openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	rep, err := s.audit.VerifyAuditLog(systemCtx(ctx), cp)
	if err != nil {
		return err
	}
	if !rep.OK {
		return &exitError{code: 1, msg: reportProblem(rep)}
	}
	fmt.Fprintf(m.Stdout, "audit chain OK: %d entries verified, root %s\n", rep.Entries, rep.Root)
	if cp == nil {
		fmt.Fprint(m.Stdout, "no checkpoint given: a log cut short or rewritten with its hashes recomputed passes this check; give --checkpoint to check against one kept elsewhere\n")
		return nil
	}
	fmt.Fprintf(m.Stdout, "extends the checkpoint of %s: %d entries, root %s, signed %s (consistency proof of %d hashes verified)\n",
		cp.Origin, cp.Size, cp.Root, cp.Time.Format(time.RFC3339), len(rep.Proof))
	return nil
}

// reportProblem says what a failed verification found.
func reportProblem(rep *tuopin.AuditReport) string {
	switch {
	case rep.Checkpoint != nil && rep.FirstBadID != 0:
		return fmt.Sprintf("audit log does NOT extend the checkpoint, from entry %d: %s", rep.FirstBadID, rep.Problem)
	case rep.Checkpoint != nil:
		return "audit log does NOT extend the checkpoint: " + rep.Problem
	}
	return fmt.Sprintf("audit chain BROKEN at entry %d: %s (%d entries checked)", rep.FirstBadID, rep.Problem, rep.Entries)
}

// readCheckpoint reads and opens a checkpoint file (see
// tuopin.OpenCheckpoint for pinned).
func readCheckpoint(path string, pinned *tuopin.AuditVerifier) (*tuopin.Checkpoint, error) {
	note, err := readSmall(path, tuopin.MaxCheckpointBytes)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	cp, err := tuopin.OpenCheckpoint(note, pinned)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s", path, tuopin.ErrorMessage(err))
	}
	return cp, nil
}

// readSmall reads a file of at most limit bytes.
func readSmall(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

// writeNew writes a file that must not exist yet: a checkpoint or key
// already kept is never overwritten.
func writeNew(path string, b []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists already: it is not overwritten", path)
	} else if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

// within reports whether path lies inside dir.
func within(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
