package tuopin

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"
)

// The audit log is also a Merkle tree, as Certificate Transparency's logs
// are (RFC 9162 §2.1): leaf i is the hash of entry i+1, and the tree hash
// of the first n entries (the root at size n) commits to every one of them
// and to their order. A checkpoint signs a size and its root; a consistency
// proof shows, with about log2(n) hashes, that the tree of size m is the
// first part of the tree of size n, that is, that nothing covered by an
// older checkpoint was changed, removed or reordered since.
//
// The hashes are RFC 9162's with SHA-256:
//
//	MTH({})        = SHA-256()
//	MTH({d})       = SHA-256(0x00 || d)                    a leaf
//	MTH(D[0:n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
//
// where k is the largest power of two smaller than n. The prefixes keep a
// leaf from passing for an inner node.

// TreeHash is a hash of the audit log's Merkle tree: a leaf's, an inner
// node's or a root. Its text form is standard base64, as in checkpoints.
type TreeHash [sha256.Size]byte

// EmptyTreeHash is the tree hash of an empty log: the SHA-256 of nothing.
var EmptyTreeHash = TreeHash(sha256.Sum256(nil))

// LeafHash returns the tree hash of a leaf with the given data.
func LeafHash(data []byte) TreeHash {
	h := sha256.New()
	h.Write([]byte{0x00})
	h.Write(data)
	return TreeHash(h.Sum(nil))
}

// NodeHash returns the tree hash of an inner node over two subtrees.
func NodeHash(left, right TreeHash) TreeHash {
	var b [1 + 2*sha256.Size]byte
	b[0] = 0x01
	copy(b[1:], left[:])
	copy(b[1+sha256.Size:], right[:])
	return sha256.Sum256(b[:])
}

// AuditLeaf returns the tree leaf of an audit entry: the leaf hash of the
// 32 bytes of its Hash (which covers every field and the previous entry's
// hash). It fails on a Hash that is not 64 hex digits.
func AuditLeaf(e *AuditEntry) (TreeHash, error) {
	raw, err := hex.DecodeString(e.Hash)
	if err != nil || len(raw) != sha256.Size {
		return TreeHash{}, fmt.Errorf("audit entry %d: hash %q is not %d hex digits", e.ID, e.Hash, 2*sha256.Size)
	}
	return LeafHash(raw), nil
}

// String returns the hash in standard base64.
func (h TreeHash) String() string { return base64.StdEncoding.EncodeToString(h[:]) }

// MarshalText writes the hash in standard base64.
func (h TreeHash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads a hash in standard base64.
func (h *TreeHash) UnmarshalText(b []byte) error {
	p, err := ParseTreeHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseTreeHash reads a hash written in standard base64 (44 characters).
// Returns EINVALID for anything else.
func ParseTreeHash(s string) (TreeHash, error) {
	var h TreeHash
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != len(h) || base64.StdEncoding.EncodeToString(b) != s {
		return h, Errorf(EINVALID, "%q is not a tree hash: want %d bytes in standard base64.", s, len(h))
	}
	copy(h[:], b)
	return h, nil
}

// TreeBuilder computes the tree hash of a sequence of leaves appended one
// by one, holding only the roots of its perfect subtrees (one for each bit
// set in the size, largest first): a log of 10^6 entries needs 7 hashes.
// The zero TreeBuilder is an empty tree.
type TreeBuilder struct {
	size  int64
	stack []TreeHash // roots of the perfect subtrees, left to right
}

// Append adds a leaf, given as its leaf hash.
func (b *TreeBuilder) Append(leaf TreeHash) {
	b.stack = append(b.stack, leaf)
	// Each trailing one bit of the old size is a perfect subtree as large
	// as the one just completed on its right: merge them.
	for s := b.size; s&1 == 1; s >>= 1 {
		n := len(b.stack)
		b.stack[n-2] = NodeHash(b.stack[n-2], b.stack[n-1])
		b.stack = b.stack[:n-1]
	}
	b.size++
}

// Size returns the number of leaves appended.
func (b *TreeBuilder) Size() int64 { return b.size }

// Root returns the tree hash of the leaves appended so far: the perfect
// subtrees folded from the right, which is MTH's split at the largest
// power of two.
func (b *TreeBuilder) Root() TreeHash {
	if len(b.stack) == 0 {
		return EmptyTreeHash
	}
	r := b.stack[len(b.stack)-1]
	for i := len(b.stack) - 2; i >= 0; i-- {
		r = NodeHash(b.stack[i], r)
	}
	return r
}

// LeafRange is the range of leaves [Lo, Hi), counted from 0.
type LeafRange struct{ Lo, Hi int64 }

// ConsistencyRanges returns, in proof order, the ranges of leaves whose
// tree hashes make up the consistency proof from size m to size n
// (RFC 9162 §2.1.4.1, PROOF(m, D[n])). The ranges do not overlap. The proof
// from 0 (an empty log is the start of any log) or from n to n is empty.
// Returns EINVALID unless 0 <= m <= n.
func ConsistencyRanges(m, n int64) ([]LeafRange, error) {
	if m < 0 || n < 0 || m > n {
		return nil, Errorf(EINVALID, "No consistency proof from size %d to size %d.", m, n)
	}
	var out []LeafRange
	if m == 0 {
		return out, nil
	}
	// SUBPROOF(m, D[lo:hi], whole): whole says D[lo:lo+m] is the old tree
	// itself, whose hash the verifier already holds.
	var sub func(m, lo, hi int64, whole bool)
	sub = func(m, lo, hi int64, whole bool) {
		if m == hi-lo {
			if !whole {
				out = append(out, LeafRange{lo, hi})
			}
			return
		}
		k := splitPoint(hi - lo)
		if m <= k {
			sub(m, lo, lo+k, whole)
			out = append(out, LeafRange{lo + k, hi})
		} else {
			sub(m-k, lo+k, hi, false)
			out = append(out, LeafRange{lo, lo + k})
		}
	}
	sub(m, 0, n, true)
	return out, nil
}

// splitPoint returns the largest power of two smaller than n (n >= 2).
func splitPoint(n int64) int64 {
	return 1 << (bits.Len64(uint64(n-1)) - 1)
}

// ConsistencyProof returns the consistency proof from size m to size n,
// taking the tree hash of each range it needs from subtree.
func ConsistencyProof(m, n int64, subtree func(LeafRange) (TreeHash, error)) ([]TreeHash, error) {
	ranges, err := ConsistencyRanges(m, n)
	if err != nil {
		return nil, err
	}
	proof := make([]TreeHash, len(ranges))
	for i, r := range ranges {
		if proof[i], err = subtree(r); err != nil {
			return nil, err
		}
	}
	return proof, nil
}

// VerifyConsistency checks that proof shows the tree of size m with root
// oldRoot to be the first m leaves of the tree of size n with root newRoot
// (RFC 9162 §2.1.4.2). Returns EINVALID saying what does not hold.
func VerifyConsistency(m, n int64, oldRoot, newRoot TreeHash, proof []TreeHash) error {
	switch {
	case m < 0 || n < 0 || m > n:
		return Errorf(EINVALID, "No consistency proof from size %d to size %d.", m, n)
	case m == 0 || m == n:
		if len(proof) != 0 {
			return Errorf(EINVALID, "The consistency proof from size %d to size %d must be empty; it has %d hashes.", m, n, len(proof))
		}
		if m == 0 && oldRoot != EmptyTreeHash {
			return Errorf(EINVALID, "The root of size 0 must be the hash of the empty tree.")
		}
		if m == n && oldRoot != newRoot {
			return Errorf(EINVALID, "The roots of size %d differ.", m)
		}
		return nil
	}
	path := proof
	if m&(m-1) == 0 {
		// The old tree is a perfect subtree at the left edge: its root
		// starts the path and is not sent.
		path = append([]TreeHash{oldRoot}, proof...)
	}
	if len(path) == 0 {
		return Errorf(EINVALID, "The consistency proof from size %d to size %d is empty.", m, n)
	}
	// fn and sn are the indexes of the last old and the last new leaf; at
	// each level their bits say whether the node on the path is a left or
	// a right child, and whether the old tree still ends there.
	fn, sn := m-1, n-1
	for fn&1 == 1 {
		fn, sn = fn>>1, sn>>1
	}
	fr, sr := path[0], path[0]
	for _, c := range path[1:] {
		if sn == 0 {
			return Errorf(EINVALID, "The consistency proof from size %d to size %d has too many hashes (%d).", m, n, len(proof))
		}
		if fn&1 == 1 || fn == sn {
			fr, sr = NodeHash(c, fr), NodeHash(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			sr = NodeHash(sr, c)
		}
		fn, sn = fn>>1, sn>>1
	}
	switch {
	case sn != 0:
		return Errorf(EINVALID, "The consistency proof from size %d to size %d has too few hashes (%d).", m, n, len(proof))
	case fr != oldRoot:
		return Errorf(EINVALID, "The consistency proof does not lead to the root of size %d.", m)
	case sr != newRoot:
		return Errorf(EINVALID, "The consistency proof does not lead to the root of size %d.", n)
	}
	return nil
}

// RangeHasher computes, in one pass over a log's leaves in order, the tree
// hashes of given ranges that do not overlap, such as those of a
// consistency proof; it holds O(log n) hashes, never the leaves.
type RangeHasher struct {
	ranges []LeafRange // sorted by Lo
	next   int         // the range being hashed, or the next one
	pos    int64       // index of the next leaf
	cur    TreeBuilder
	done   map[LeafRange]TreeHash
}

// NewRangeHasher returns a RangeHasher of ranges, which must not overlap.
func NewRangeHasher(ranges []LeafRange) *RangeHasher {
	rs := slices.Clone(ranges)
	slices.SortFunc(rs, func(a, b LeafRange) int { return cmp.Compare(a.Lo, b.Lo) })
	return &RangeHasher{ranges: rs, done: map[LeafRange]TreeHash{}}
}

// Append adds the next leaf of the log.
func (h *RangeHasher) Append(leaf TreeHash) {
	i := h.pos
	h.pos++
	for h.next < len(h.ranges) && h.ranges[h.next].Hi <= i {
		h.next++ // empty or passed (cannot happen for a proof's ranges)
	}
	if h.next == len(h.ranges) || i < h.ranges[h.next].Lo {
		return
	}
	h.cur.Append(leaf)
	if r := h.ranges[h.next]; i == r.Hi-1 {
		h.done[r] = h.cur.Root()
		h.cur = TreeBuilder{}
		h.next++
	}
}

// Hash returns the tree hash of range r, or EINVALID if r was not given
// or its leaves have not all been appended.
func (h *RangeHasher) Hash(r LeafRange) (TreeHash, error) {
	t, ok := h.done[r]
	if !ok {
		return TreeHash{}, Errorf(EINVALID, "The leaves %d to %d have not been hashed.", r.Lo, r.Hi)
	}
	return t, nil
}
