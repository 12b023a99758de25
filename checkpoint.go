package tuopin

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A checkpoint is the audit log's size and root, signed with a key that
// is kept away from the database, in the text format of transparency logs
// (C2SP tlog-checkpoint inside a C2SP signed note):
//
//	dl.gx.example/tuopin
//	1204518
//	Hc0ICVfvVJd4nKBiovx0Wvb0rfwINX4gQ6x8LjXPzTE=
//	time 2026-12-03T02:00:00Z
//	key dl.gx.example/tuopin+7c1f0a2e+AcQ3…
//
//	— dl.gx.example/tuopin fB8KLi…
//
// The lines are the origin (the log's name, which is the key's name), the
// number of entries, the root of the Merkle tree over them (audittree.go),
// then two extension lines: when it was signed, and the public key that
// signed it, so that a printout carries all an auditor needs. The last
// line is the Ed25519 signature of everything above the blank line; its
// first four bytes are the key ID, SHA-256(name || 0x0A || 0x01 || public
// key)[:4].
//
// Keys are written as the Go checksum database's notes write them: the
// public key as "name+keyid+base64(0x01 || key)", the private key as
// "PRIVATE+KEY+name+keyid+base64(0x01 || seed)".

// Checkpoint is a signed statement that the audit log named Origin held
// Size entries whose tree hash was Root.
type Checkpoint struct {
	Origin string    `json:"origin"`
	Size   int64     `json:"size"`
	Root   TreeHash  `json:"root"`
	Time   time.Time `json:"time"` // when it was signed, UTC to the second
	// Key is the public key that signed it, in text form.
	Key string `json:"key"`
}

// MaxCheckpointBytes bounds the size of a checkpoint's text: a real one is
// under 400 bytes.
const MaxCheckpointBytes = 16 << 10

// algEd25519 is the signed-note signature type of Ed25519.
const algEd25519 = 0x01

// AuditSigner signs checkpoints with an Ed25519 private key.
type AuditSigner struct {
	name string
	id   uint32
	key  ed25519.PrivateKey
}

// AuditVerifier checks checkpoint signatures with an Ed25519 public key.
type AuditVerifier struct {
	name string
	id   uint32
	key  ed25519.PublicKey
}

// GenerateAuditKey returns a new key pair named name, in text form: the
// private key (keep it off the database's machine and its backups) and
// the public key (give it to the auditors). Returns EINVALID for a name
// that cannot name a key.
func GenerateAuditKey(name string, rand io.Reader) (private, public string, err error) {
	if err := checkKeyName(name); err != nil {
		return "", "", err
	}
	pub, priv, err := ed25519.GenerateKey(rand)
	if err != nil {
		return "", "", err
	}
	s := &AuditSigner{name: name, id: keyID(name, pub), key: priv}
	return s.String(), s.Verifier().String(), nil
}

// checkKeyName checks a key name (and origin): non-empty, at most 200
// bytes of UTF-8, no spaces, no '+' (which separates the parts of a key),
// no control characters.
func checkKeyName(name string) error {
	if name == "" || len(name) > 200 || !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool {
		return r == '+' || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return Errorf(EINVALID, "%q cannot name an audit log: give up to 200 characters without spaces or '+', such as dl.gx.example/tuopin.", name)
	}
	return nil
}

func keyID(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', algEd25519})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// ParseAuditSigner reads a private key written by GenerateAuditKey.
// Returns EINVALID for anything else, naming a public key given instead.
func ParseAuditSigner(text string) (*AuditSigner, error) {
	text = strings.TrimSpace(text)
	rest, ok := strings.CutPrefix(text, "PRIVATE+KEY+")
	if !ok {
		if _, err := ParseAuditVerifier(text); err == nil {
			return nil, Errorf(EINVALID, "This is a public key: signing needs the private key (PRIVATE+KEY+…).")
		}
		return nil, Errorf(EINVALID, "Not an audit signing key: want PRIVATE+KEY+name+keyid+key.")
	}
	name, id, raw, err := parseKey(rest)
	if err != nil {
		return nil, err
	}
	if len(raw) != 1+ed25519.SeedSize {
		return nil, Errorf(EINVALID, "Not an audit signing key: the key is not an Ed25519 seed.")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	if keyID(name, priv.Public().(ed25519.PublicKey)) != id {
		return nil, Errorf(EINVALID, "The signing key's ID does not match its name and key: the key was altered.")
	}
	return &AuditSigner{name: name, id: id, key: priv}, nil
}

// ParseAuditVerifier reads a public key written by GenerateAuditKey.
// Returns EINVALID for anything else, naming a private key given instead.
func ParseAuditVerifier(text string) (*AuditVerifier, error) {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "PRIVATE+KEY+") {
		return nil, Errorf(EINVALID, "This is a private key: verifying needs only the public key (the .pub file); keep the private key away from auditors' machines.")
	}
	name, id, raw, err := parseKey(text)
	if err != nil {
		return nil, err
	}
	if len(raw) != 1+ed25519.PublicKeySize {
		return nil, Errorf(EINVALID, "Not an audit public key: the key is not an Ed25519 public key.")
	}
	pub := ed25519.PublicKey(raw[1:])
	if keyID(name, pub) != id {
		return nil, Errorf(EINVALID, "The public key's ID does not match its name and key: the key was altered.")
	}
	return &AuditVerifier{name: name, id: id, key: pub}, nil
}

// parseKey splits "name+keyid+base64" and checks the algorithm byte.
func parseKey(s string) (name string, id uint32, raw []byte, err error) {
	bad := Errorf(EINVALID, "Not an audit key: want name+keyid+key (as tuopin audit keygen writes it).")
	name, rest, ok1 := strings.Cut(s, "+")
	hexID, b64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || checkKeyName(name) != nil || len(hexID) != 8 {
		return "", 0, nil, bad
	}
	id64, err := strconv.ParseUint(hexID, 16, 32)
	if err != nil {
		return "", 0, nil, bad
	}
	raw, err = base64.StdEncoding.Strict().DecodeString(b64)
	if err != nil || len(raw) == 0 || base64.StdEncoding.EncodeToString(raw) != b64 {
		return "", 0, nil, bad
	}
	if raw[0] != algEd25519 {
		return "", 0, nil, Errorf(EINVALID, "Not an audit key: only Ed25519 keys (type 0x01) are supported.")
	}
	return name, uint32(id64), raw, nil
}

// Name returns the key's name, which is the origin of its checkpoints.
func (s *AuditSigner) Name() string { return s.name }

// String returns the private key in text form.
func (s *AuditSigner) String() string {
	return "PRIVATE+KEY+" + keyText(s.name, s.id, s.key.Seed())
}

// Verifier returns the public key of s.
func (s *AuditSigner) Verifier() *AuditVerifier {
	return &AuditVerifier{name: s.name, id: s.id, key: s.key.Public().(ed25519.PublicKey)}
}

// Name returns the key's name.
func (v *AuditVerifier) Name() string { return v.name }

// String returns the public key in text form.
func (v *AuditVerifier) String() string { return keyText(v.name, v.id, v.key) }

func keyText(name string, id uint32, key []byte) string {
	return fmt.Sprintf("%s+%08x+%s", name, id, base64.StdEncoding.EncodeToString(append([]byte{algEd25519}, key...)))
}

// SignCheckpoint returns the signed text of a checkpoint of the log named
// after the key, of size entries with the given root, signed at t.
func (s *AuditSigner) SignCheckpoint(size int64, root TreeHash, t time.Time) ([]byte, error) {
	if size < 0 {
		return nil, Errorf(EINVALID, "A log cannot hold %d entries.", size)
	}
	text := fmt.Sprintf("%s\n%d\n%s\ntime %s\nkey %s\n", s.name, size, root, t.UTC().Format(time.RFC3339), s.Verifier())
	return s.signNote([]byte(text)), nil
}

// signNote signs a note text (ending in a newline) and returns the note.
func (s *AuditSigner) signNote(text []byte) []byte {
	sig := binary.BigEndian.AppendUint32(nil, s.id)
	sig = append(sig, ed25519.Sign(s.key, text)...)
	var b bytes.Buffer
	b.Write(text)
	fmt.Fprintf(&b, "\n— %s %s\n", s.name, base64.StdEncoding.EncodeToString(sig))
	return b.Bytes()
}

// OpenCheckpoint checks a signed checkpoint and returns what it states.
// The signature is checked with pinned, the public key the auditor holds;
// with pinned nil, with the key the checkpoint names (which proves only
// that the text is unchanged since that key signed it: pin the key to
// know whose it is). Returns EINVALID saying what is wrong: not a
// checkpoint, not signed by the key, signed by another key than the one
// it names, or altered after signing.
func OpenCheckpoint(note []byte, pinned *AuditVerifier) (*Checkpoint, error) {
	// A checkpoint kept on a system that writes CRLF line ends still
	// verifies: it was signed with LF ends, and no line holds a CR.
	note = bytes.ReplaceAll(note, []byte("\r\n"), []byte("\n"))
	text, sigs, err := splitNote(note)
	if err != nil {
		return nil, err
	}
	c, err := parseCheckpointText(text)
	if err != nil {
		return nil, err
	}
	named, err := ParseAuditVerifier(c.Key)
	if err != nil {
		return nil, Errorf(EINVALID, "The checkpoint's key line is not a public key: %s", ErrorMessage(err))
	}
	v := named
	if pinned != nil {
		if pinned.String() != named.String() {
			return nil, Errorf(EINVALID, "The checkpoint names the key %s, not the pinned key %s: it was signed by another key.", named, pinned)
		}
		v = pinned
	}
	if c.Origin != v.name {
		return nil, Errorf(EINVALID, "The checkpoint is of the log %q but its key is named %q.", c.Origin, v.name)
	}
	found := false
	for _, sg := range sigs {
		if sg.name != v.name || sg.id != v.id {
			continue // another key's signature (a co-signer's): ignored
		}
		if !ed25519.Verify(v.key, text, sg.sig) {
			return nil, Errorf(EINVALID, "The checkpoint's signature by %s does not verify: the checkpoint was altered after it was signed.", v)
		}
		found = true
	}
	if !found {
		return nil, Errorf(EINVALID, "The checkpoint carries no signature by the key %s.", v)
	}
	return c, nil
}

type noteSig struct {
	name string
	id   uint32
	sig  []byte
}

// splitNote splits a signed note into its text (with its final newline)
// and its signatures (C2SP signed-note).
func splitNote(note []byte) ([]byte, []noteSig, error) {
	malformed := func(why string) ([]byte, []noteSig, error) {
		return nil, nil, Errorf(EINVALID, "Not a signed checkpoint: %s.", why)
	}
	if len(note) > MaxCheckpointBytes {
		return malformed(fmt.Sprintf("it is longer than %d bytes", MaxCheckpointBytes))
	}
	if !utf8.Valid(note) {
		return malformed("it is not UTF-8 text")
	}
	if bytes.ContainsFunc(note, func(r rune) bool { return r < 0x20 && r != '\n' }) {
		return malformed("it holds control characters")
	}
	i := bytes.LastIndex(note, []byte("\n\n"))
	if i < 0 {
		return malformed("no blank line before the signature")
	}
	text, rest := note[:i+1], note[i+2:]
	var sigs []noteSig
	for len(rest) > 0 {
		line, after, ok := bytes.Cut(rest, []byte("\n"))
		if !ok {
			return malformed("the last line does not end with a newline")
		}
		rest = after
		s, ok := strings.CutPrefix(string(line), "— ")
		name, b64, ok2 := strings.Cut(s, " ")
		if !ok || !ok2 || checkKeyName(name) != nil {
			return malformed(fmt.Sprintf("%q is not a signature line", line))
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(b64)
		if err != nil || len(raw) < 5 {
			return malformed(fmt.Sprintf("the signature of %s is not base64", name))
		}
		sigs = append(sigs, noteSig{name: name, id: binary.BigEndian.Uint32(raw), sig: raw[4:]})
		if len(sigs) > 100 {
			return malformed("more than 100 signatures")
		}
	}
	if len(sigs) == 0 {
		return malformed("no signature")
	}
	return text, sigs, nil
}

// parseCheckpointText reads the lines of a checkpoint.
func parseCheckpointText(text []byte) (*Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	bad := func(format string, args ...any) (*Checkpoint, error) {
		return nil, Errorf(EINVALID, "Not an audit checkpoint: "+format, args...)
	}
	if len(lines) < 3 {
		return bad("want the log's name, its size and its root on the first three lines.")
	}
	c := &Checkpoint{Origin: lines[0]}
	if checkKeyName(c.Origin) != nil {
		return bad("the first line, %q, is not a log's name.", lines[0])
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return bad("the second line, %q, is not a number of entries.", lines[1])
	}
	c.Size = size
	if c.Root, err = ParseTreeHash(lines[2]); err != nil {
		return bad("the third line, %q, is not a root hash.", lines[2])
	}
	for _, l := range lines[3:] {
		key, value, _ := strings.Cut(l, " ")
		switch {
		case l == "":
			return bad("an empty line inside it.")
		case key == "time" && c.Time.IsZero():
			t, err := time.Parse(time.RFC3339, value)
			if err != nil {
				return bad("the time %q is not RFC 3339.", value)
			}
			c.Time = t.UTC()
		case key == "key" && c.Key == "":
			c.Key = value
		}
		// Other extension lines are signed with the rest and ignored.
	}
	if c.Key == "" {
		return bad("no key line naming the key that signed it.")
	}
	return c, nil
}
