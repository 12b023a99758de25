package tuopin_test

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

func mustKey(t *testing.T, name string) (*tuopin.AuditSigner, *tuopin.AuditVerifier) {
	t.Helper()
	priv, pub, err := tuopin.GenerateAuditKey(name, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := tuopin.ParseAuditSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tuopin.ParseAuditVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	if s.Verifier().String() != pub || v.String() != pub || s.String() != priv {
		t.Fatalf("keys do not round-trip: %s / %s", s.Verifier(), pub)
	}
	return s, v
}

func wantInvalid(t *testing.T, err error, substr string) {
	t.Helper()
	if tuopin.ErrorCode(err) != tuopin.EINVALID || !strings.Contains(tuopin.ErrorMessage(err), substr) {
		t.Fatalf("err = %v, want EINVALID with %q", err, substr)
	}
}

// TestSignedNoteVectors checks the key and signature encoding against the
// published example of the Go checksum database's notes, which use the
// same format (c2sp.org/signed-note): the private key gives the published
// public key, and signing the text gives the published signature.
func TestSignedNoteVectors(t *testing.T) {
	const (
		skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
		vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
		text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
		want = text + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
	)
	s, err := tuopin.ParseAuditSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Verifier().String(); got != vkey {
		t.Fatalf("public key %s, want %s", got, vkey)
	}
	if got := string(s.SignNote([]byte(text))); got != want {
		t.Fatalf("note:\n%s\nwant:\n%s", got, want)
	}
	if _, err := tuopin.ParseAuditVerifier(vkey); err != nil {
		t.Fatal(err)
	}
}

func TestAuditKeys(t *testing.T) {
	s, v := mustKey(t, "dl.gx.example/tuopin")
	if s.Name() != "dl.gx.example/tuopin" || v.Name() != s.Name() {
		t.Fatalf("names %q %q", s.Name(), v.Name())
	}
	for _, name := range []string{"", "a b", "a+b", "a\tb", "a\nb", strings.Repeat("x", 201)} {
		_, _, err := tuopin.GenerateAuditKey(name, rand.Reader)
		wantInvalid(t, err, "cannot name an audit log")
	}
	// Each key refuses the other's place, by name.
	_, err := tuopin.ParseAuditSigner(v.String())
	wantInvalid(t, err, "This is a public key")
	_, err = tuopin.ParseAuditVerifier(s.String())
	wantInvalid(t, err, "This is a private key")
	// Every one-character change of a key is refused.
	pub := v.String()
	for i := range pub {
		b := []byte(pub)
		b[i]++
		if _, err := tuopin.ParseAuditVerifier(string(b)); err == nil {
			t.Fatalf("altered public key %q accepted", b)
		}
	}
	priv := s.String()
	for i := range priv {
		b := []byte(priv)
		b[i]++
		if _, err := tuopin.ParseAuditSigner(string(b)); err == nil {
			t.Fatalf("altered private key %q accepted", b)
		}
	}
	// A file's trailing newline is fine.
	if _, err := tuopin.ParseAuditVerifier(pub + "\n"); err != nil {
		t.Fatal(err)
	}
}

func TestCheckpoint(t *testing.T) {
	s, v := mustKey(t, "dl.gx.example/tuopin")
	root := tuopin.LeafHash([]byte("x"))
	at := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	note, err := s.SignCheckpoint(1204518, root, at)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(note), "\n")
	if len(lines) != 8 || lines[0] != "dl.gx.example/tuopin" || lines[1] != "1204518" || lines[2] != root.String() ||
		lines[3] != "time 2026-12-03T02:00:00Z" || lines[4] != "key "+v.String() || lines[5] != "" ||
		!strings.HasPrefix(lines[6], "— dl.gx.example/tuopin ") || lines[7] != "" {
		t.Fatalf("checkpoint:\n%s", note)
	}
	want := tuopin.Checkpoint{Origin: "dl.gx.example/tuopin", Size: 1204518, Root: root, Time: at, Key: v.String()}

	t.Run("OK", func(t *testing.T) {
		for name, pinned := range map[string]*tuopin.AuditVerifier{"pinned": v, "named": nil} {
			c, err := tuopin.OpenCheckpoint(note, pinned)
			if err != nil || *c != want {
				t.Fatalf("%s: %+v, %v", name, c, err)
			}
		}
		// Saved with CRLF line ends.
		if _, err := tuopin.OpenCheckpoint([]byte(strings.ReplaceAll(string(note), "\n", "\r\n")), v); err != nil {
			t.Fatal(err)
		}
		// A co-signer's signature is ignored.
		body, _, _ := strings.Cut(string(note), "\n\n")
		other, _ := mustKey(t, "witness.example")
		_, cosig, _ := strings.Cut(string(other.SignNote([]byte(body+"\n"))), "\n\n")
		co := string(note) + cosig
		if _, err := tuopin.OpenCheckpoint([]byte(co), v); err != nil {
			t.Fatalf("with a co-signature: %v\n%s", err, co)
		}
		// The empty log.
		empty, err := s.SignCheckpoint(0, tuopin.EmptyTreeHash, at)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := tuopin.OpenCheckpoint(empty, v); err != nil || c.Size != 0 || c.Root != tuopin.EmptyTreeHash {
			t.Fatalf("empty: %+v, %v", c, err)
		}
	})
	t.Run("ErrAltered", func(t *testing.T) {
		// Someone who shrinks the size, or swaps the root, after signing.
		for _, alter := range []func(string) string{
			func(s string) string { return strings.Replace(s, "\n1204518\n", "\n1204517\n", 1) },
			func(s string) string { return strings.Replace(s, root.String(), tuopin.EmptyTreeHash.String(), 1) },
			func(s string) string { return strings.Replace(s, "02:00:00Z", "03:00:00Z", 1) },
		} {
			_, err := tuopin.OpenCheckpoint([]byte(alter(string(note))), v)
			wantInvalid(t, err, "does not verify: the checkpoint was altered after it was signed")
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		// An insider who signs a checkpoint of their own with a key of the
		// same name: refused against the pinned key, by name.
		forger, _ := mustKey(t, "dl.gx.example/tuopin")
		forged, err := forger.SignCheckpoint(3, root, at)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tuopin.OpenCheckpoint(forged, v)
		wantInvalid(t, err, "not the pinned key")
		// The forger keeps the real key's line but signs with their own.
		swapped := strings.Replace(string(forged), "key "+forger.Verifier().String(), "key "+v.String(), 1)
		_, err = tuopin.OpenCheckpoint([]byte(swapped), v)
		wantInvalid(t, err, "carries no signature by the key")
		// The checkpoint of another log.
		other, otherV := mustKey(t, "fs.gx.example/tuopin")
		o, err := other.SignCheckpoint(3, root, at)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tuopin.OpenCheckpoint(o, v)
		wantInvalid(t, err, "not the pinned key")
		if _, err := tuopin.OpenCheckpoint(o, otherV); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		text := string(note[:strings.Index(string(note), "\n\n")+1])
		sign := func(body string) []byte { return s.SignNote([]byte(body)) }
		for _, c := range []struct {
			note []byte
			want string
		}{
			{[]byte(text), "no blank line before the signature"},
			{[]byte(text + "\n"), "no signature"},
			{note[:len(note)-1], "does not end with a newline"},
			{[]byte("\x01" + string(note)), "control characters"},
			{[]byte("\xff" + string(note)), "not UTF-8"},
			{[]byte(text + "\n— dl.gx.example/tuopin !!!\n"), "not base64"},
			{[]byte(text + "\nsigned by me\n"), "is not a signature line"},
			{[]byte(strings.Repeat("x", tuopin.MaxCheckpointBytes+1)), "longer than"},
			{sign("dl.gx.example/tuopin\n12\n"), "on the first three lines"},
			{sign("dl.gx.example/tuopin\n012\n" + root.String() + "\nkey " + v.String() + "\n"), `"012", is not a number`},
			{sign("dl.gx.example/tuopin\n-1\n" + root.String() + "\nkey " + v.String() + "\n"), `"-1", is not a number`},
			{sign("dl.gx.example/tuopin\n12\nabc\nkey " + v.String() + "\n"), `"abc", is not a root hash`},
			{sign("dl.gx.example/tuopin\n12\n" + root.String() + "\n"), "no key line"},
			{sign("dl.gx.example/tuopin\n12\n" + root.String() + "\ntime yesterday\nkey " + v.String() + "\n"), "is not RFC 3339"},
			{sign("dl.gx.example/other\n12\n" + root.String() + "\nkey " + v.String() + "\n"), `is of the log "dl.gx.example/other"`},
		} {
			_, err := tuopin.OpenCheckpoint(c.note, v)
			wantInvalid(t, err, c.want)
		}
	})
}
