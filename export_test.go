package tuopin

// SignNote exposes the signed-note layer of checkpoints for the test
// against the published vectors of the format.
func (s *AuditSigner) SignNote(text []byte) []byte { return s.signNote(text) }
