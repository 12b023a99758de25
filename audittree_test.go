package tuopin_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/tuopin/tuopin"
)

// The naive Merkle tree of RFC 9162 §2.1, written straight from its
// recursive definitions over whole lists of leaves, to check the
// streaming and proof code against.

func naiveMTH(d [][]byte) tuopin.TreeHash {
	switch len(d) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, d[0]...))
	}
	k := 1
	for k*2 < len(d) {
		k *= 2
	}
	l, r := naiveMTH(d[:k]), naiveMTH(d[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// naiveProof is PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
func naiveProof(m int, d [][]byte) []tuopin.TreeHash {
	var sub func(m int, d [][]byte, b bool) []tuopin.TreeHash
	sub = func(m int, d [][]byte, b bool) []tuopin.TreeHash {
		n := len(d)
		if m == n {
			if b {
				return nil
			}
			return []tuopin.TreeHash{naiveMTH(d)}
		}
		k := 1
		for k*2 < n {
			k *= 2
		}
		if m <= k {
			return append(sub(m, d[:k], b), naiveMTH(d[k:]))
		}
		return append(sub(m-k, d[k:], false), naiveMTH(d[:k]))
	}
	if m == 0 {
		return nil
	}
	return sub(m, d, true)
}

// ctLeaves are the leaves of RFC 6962's reference test tree (the
// certificate-transparency project's merkle_tree_test.cc).
var ctLeaves = func() [][]byte {
	var d [][]byte
	for _, s := range []string{"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"} {
		b, _ := hex.DecodeString(s)
		d = append(d, b)
	}
	return d
}()

func mustHex(t *testing.T, s string) tuopin.TreeHash {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad vector %q", s)
	}
	return tuopin.TreeHash(b)
}

func leafHashes(d [][]byte) []tuopin.TreeHash {
	var hs []tuopin.TreeHash
	for _, x := range d {
		hs = append(hs, tuopin.LeafHash(x))
	}
	return hs
}

// builderRoot streams leaves into a TreeBuilder.
func builderRoot(hs []tuopin.TreeHash) tuopin.TreeHash {
	var b tuopin.TreeBuilder
	for _, h := range hs {
		b.Append(h)
	}
	return b.Root()
}

// synthLeaves returns n distinct leaves.
func synthLeaves(n int) [][]byte {
	d := make([][]byte, n)
	for i := range d {
		d[i] = []byte(fmt.Sprintf("entry %d", i))
	}
	return d
}

// proofFromBuilder computes the proof from m to n over leaves with a
// RangeHasher, as the audit log's verification does.
func proofFromBuilder(t *testing.T, m int, hs []tuopin.TreeHash) []tuopin.TreeHash {
	t.Helper()
	ranges, err := tuopin.ConsistencyRanges(int64(m), int64(len(hs)))
	if err != nil {
		t.Fatal(err)
	}
	rh := tuopin.NewRangeHasher(ranges)
	for _, h := range hs {
		rh.Append(h)
	}
	proof, err := tuopin.ConsistencyProof(int64(m), int64(len(hs)), rh.Hash)
	if err != nil {
		t.Fatal(err)
	}
	return proof
}

func TestTreeHashVectors(t *testing.T) {
	// The roots of the reference tree's first n leaves, as published with
	// RFC 6962's reference implementation.
	roots := []string{
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	}
	hs := leafHashes(ctLeaves)
	for n, want := range roots {
		w := mustHex(t, want)
		if got := naiveMTH(ctLeaves[:n]); got != w {
			t.Errorf("naive root of %d leaves = %x, want %s", n, got, want)
		}
		if got := builderRoot(hs[:n]); got != w {
			t.Errorf("builder root of %d leaves = %x, want %s", n, got, want)
		}
	}
	if tuopin.EmptyTreeHash != mustHex(t, roots[0]) {
		t.Error("EmptyTreeHash is not SHA-256 of nothing")
	}
}

func TestConsistencyProofVectors(t *testing.T) {
	// Proofs of the reference tree, as published with RFC 6962's reference
	// implementation.
	for _, c := range []struct {
		m, n  int
		proof []string
	}{
		{1, 1, nil},
		{1, 8, []string{
			"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
		{6, 8, []string{
			"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
			"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
			"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
		{2, 5, []string{
			"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
			"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
	} {
		var want []tuopin.TreeHash
		for _, s := range c.proof {
			want = append(want, mustHex(t, s))
		}
		hs := leafHashes(ctLeaves[:c.n])
		if got := naiveProof(c.m, ctLeaves[:c.n]); !slices.Equal(got, want) {
			t.Errorf("naive proof %d→%d = %x", c.m, c.n, got)
		}
		got := proofFromBuilder(t, c.m, hs)
		if !slices.Equal(got, want) {
			t.Errorf("proof %d→%d = %x", c.m, c.n, got)
		}
		if err := tuopin.VerifyConsistency(int64(c.m), int64(c.n), naiveMTH(ctLeaves[:c.m]), naiveMTH(ctLeaves[:c.n]), got); err != nil {
			t.Errorf("proof %d→%d: %v", c.m, c.n, err)
		}
	}
}

// TestConsistencyProofs checks every pair of sizes up to 70 against the
// naive definitions, and that every change to a proof or its inputs
// fails verification.
func TestConsistencyProofs(t *testing.T) {
	const max = 70
	d := synthLeaves(max)
	hs := leafHashes(d)
	roots := make([]tuopin.TreeHash, max+1)
	for n := range roots {
		roots[n] = naiveMTH(d[:n])
		if got := builderRoot(hs[:n]); got != roots[n] {
			t.Fatalf("builder root of %d leaves differs from the naive one", n)
		}
	}
	for n := 0; n <= max; n++ {
		for m := 0; m <= n; m++ {
			want := naiveProof(m, d[:n])
			proof := proofFromBuilder(t, m, hs[:n])
			if !slices.Equal(proof, want) {
				t.Fatalf("proof %d→%d differs from the naive one", m, n)
			}
			if err := tuopin.VerifyConsistency(int64(m), int64(n), roots[m], roots[n], proof); err != nil {
				t.Fatalf("proof %d→%d: %v", m, n, err)
			}
			fail := func(what string, m, n int64, old, new tuopin.TreeHash, p []tuopin.TreeHash) {
				t.Helper()
				err := tuopin.VerifyConsistency(m, n, old, new, p)
				if tuopin.ErrorCode(err) != tuopin.EINVALID {
					t.Fatalf("proof %d→%d with %s: err = %v", m, n, what, err)
				}
			}
			for i := range proof {
				bad := slices.Clone(proof)
				bad[i][0] ^= 1
				fail(fmt.Sprintf("hash %d flipped", i), int64(m), int64(n), roots[m], roots[n], bad)
			}
			if len(proof) > 0 {
				fail("the last hash dropped", int64(m), int64(n), roots[m], roots[n], proof[:len(proof)-1])
			}
			fail("a hash added", int64(m), int64(n), roots[m], roots[n], append(slices.Clone(proof), roots[n]))
			if m > 0 {
				fail("another old root", int64(m), int64(n), roots[m-1], roots[n], proof)
			}
			if m > 0 && m < n {
				fail("another new root", int64(m), int64(n), roots[m], roots[n-1], proof)
				fail("another old size", int64(m-1), int64(n), roots[m], roots[n], proof)
			}
			if m > 0 && n < max {
				// The proof to n does not pass for one to n+1.
				fail("another new size", int64(m), int64(n+1), roots[m], roots[n+1], proof)
			}
		}
	}
	// A rewritten leaf, with every later hash recomputed, gives a new tree
	// whose proof from any size covering the leaf does not verify against
	// the old root.
	rewritten := slices.Clone(hs)
	rewritten[3] = tuopin.LeafHash([]byte("rewritten"))
	for m := 4; m <= 10; m++ {
		proof := proofFromBuilder(t, m, rewritten[:20])
		if err := tuopin.VerifyConsistency(int64(m), 20, roots[m], builderRoot(rewritten[:20]), proof); tuopin.ErrorCode(err) != tuopin.EINVALID {
			t.Fatalf("rewritten leaf 3, proof from %d: err = %v", m, err)
		}
	}
	// Sizes out of order.
	if _, err := tuopin.ConsistencyRanges(5, 4); tuopin.ErrorCode(err) != tuopin.EINVALID {
		t.Fatalf("ranges 5→4: %v", err)
	}
	if err := tuopin.VerifyConsistency(5, 4, roots[5], roots[4], nil); tuopin.ErrorCode(err) != tuopin.EINVALID {
		t.Fatalf("verify 5→4: %v", err)
	}
}

func TestRangeHasherMissing(t *testing.T) {
	rh := tuopin.NewRangeHasher([]tuopin.LeafRange{{Lo: 2, Hi: 4}})
	for _, h := range leafHashes(synthLeaves(3)) {
		rh.Append(h)
	}
	if _, err := rh.Hash(tuopin.LeafRange{Lo: 2, Hi: 4}); tuopin.ErrorCode(err) != tuopin.EINVALID {
		t.Fatalf("range not yet complete: %v", err)
	}
	if _, err := rh.Hash(tuopin.LeafRange{Lo: 0, Hi: 2}); tuopin.ErrorCode(err) != tuopin.EINVALID {
		t.Fatalf("range never asked for: %v", err)
	}
}

func TestTreeHashText(t *testing.T) {
	h := tuopin.LeafHash([]byte("x"))
	got, err := tuopin.ParseTreeHash(h.String())
	if err != nil || got != h {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []string{"", "abc", h.String()[:43], h.String() + "=", "!" + h.String()[1:]} {
		if _, err := tuopin.ParseTreeHash(bad); tuopin.ErrorCode(err) != tuopin.EINVALID {
			t.Errorf("ParseTreeHash(%q): %v", bad, err)
		}
	}
	e := &tuopin.AuditEntry{ID: 1, Hash: hex.EncodeToString(make([]byte, 32))}
	if leaf, err := tuopin.AuditLeaf(e); err != nil || leaf != tuopin.LeafHash(make([]byte, 32)) {
		t.Fatalf("AuditLeaf: %x, %v", leaf, err)
	}
	e.Hash = "zz"
	if _, err := tuopin.AuditLeaf(e); err == nil {
		t.Fatal("AuditLeaf accepts a bad hash")
	}
}

// BenchmarkAuditTree measures the tree's share of verifying a log of 10^6
// entries: a leaf hash per entry, the root, and a consistency proof from
// half the size, in one pass.
func BenchmarkAuditTree(b *testing.B) {
	const n = 1_000_000
	entryHash := make([]byte, 32)
	for b.Loop() {
		ranges, err := tuopin.ConsistencyRanges(n/2+1, n)
		if err != nil {
			b.Fatal(err)
		}
		var all tuopin.TreeBuilder
		rh := tuopin.NewRangeHasher(ranges)
		for i := range n {
			entryHash[0], entryHash[1], entryHash[2] = byte(i), byte(i>>8), byte(i>>16)
			leaf := tuopin.LeafHash(entryHash)
			all.Append(leaf)
			rh.Append(leaf)
		}
		proof, err := tuopin.ConsistencyProof(n/2+1, n, rh.Hash)
		if err != nil {
			b.Fatal(err)
		}
		if len(proof) == 0 || all.Root() == tuopin.EmptyTreeHash {
			b.Fatal("no proof")
		}
	}
}
