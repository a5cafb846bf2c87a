// tlog_verify checks a transparency log emitted by Signet's C++ crypto/
// (emit_log_vectors.cc) with Go's independent implementations:
// golang.org/x/mod/sumdb/note for C2SP signed notes and
// golang.org/x/mod/sumdb/tlog for RFC 6962 / RFC 9162 Merkle trees.
//
// Approach. tlog's RecordProof and TreeProof are RFC 6962 audit paths and
// consistency proofs in the same order as RFC 9162 (tlog's leafProof and
// treeProof recurse exactly like PATH and SUBPROOF), so Signet's proofs are
// handed to tlog.CheckRecord and tlog.CheckTree unchanged, against the root
// hashes taken from checkpoints that note.Open verified. Where tlog differs is
// storage: it numbers stored hashes with StoredHashIndex rather than by
// (level, index). So, as a second, independent check, this program rebuilds
// the whole tree from the leaf data with tlog.StoredHashes in its own
// storage, and requires tlog.TreeHash to equal every signed root and
// tlog.ProveRecord / tlog.ProveTree to produce byte-identical proofs.
//
// Input lines (one file):
//
//	leaf <index> <base64 data>
//	checkpoint <base64 signed note>
//	inclusion <index> <tree size> <base64 hash>...
//	consistency <old size> <new size> <base64 hash>...
//
// Exit status: 0 all checks passed; 1 some check failed; 2 unusable input.
// With -want-reject, 0 and 1 swap: the input is a deliberately broken copy
// and passing means Go rejected it.
package main

import (
	"bufio"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlog_verify: "+format+"\n", args...)
	os.Exit(2)
}

func decodeHashes(fields []string) ([]tlog.Hash, error) {
	var out []tlog.Hash
	for _, f := range fields {
		h, err := tlog.ParseHash(f)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return checkpoint{}, fmt.Errorf("checkpoint needs origin, size and root lines")
	}
	var c checkpoint
	c.origin = strings.TrimSuffix(lines[0], "\n")
	size, err := strconv.ParseInt(strings.TrimSuffix(lines[1], "\n"), 10, 64)
	if err != nil || size < 0 {
		return checkpoint{}, fmt.Errorf("bad tree size %q", lines[1])
	}
	c.size = size
	c.root, err = tlog.ParseHash(strings.TrimSuffix(lines[2], "\n"))
	if err != nil {
		return checkpoint{}, fmt.Errorf("bad root hash: %v", err)
	}
	return c, nil
}

func equalHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func main() {
	vkeyPath := flag.String("vkey", "", "file with the log's verifier key")
	vectorsPath := flag.String("vectors", "", "file with leaves, checkpoints and proofs")
	wantReject := flag.Bool("want-reject", false, "succeed only if some check fails")
	flag.Parse()
	if *vkeyPath == "" || *vectorsPath == "" {
		die("usage: tlog_verify -vkey FILE -vectors FILE [-want-reject]")
	}
	vkey, err := os.ReadFile(*vkeyPath)
	if err != nil {
		die("%v", err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		die("verifier key rejected by note.NewVerifier: %v", err)
	}
	f, err := os.Open(*vectorsPath)
	if err != nil {
		die("%v", err)
	}
	defer f.Close()

	var failures []string
	fail := func(format string, args ...interface{}) {
		failures = append(failures, fmt.Sprintf(format, args...))
	}

	// Go's own copy of the tree, built from the leaf data only.
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d not available", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	var leaves [][]byte
	roots := map[int64]tlog.Hash{}
	var nCheckpoints, nInclusion, nConsistency int

	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for lineNo := 1; scanner.Scan(); lineNo++ {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "leaf":
			if len(fields) != 3 && len(fields) != 2 {
				die("line %d: bad leaf line", lineNo)
			}
			index, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil || index != int64(len(leaves)) {
				die("line %d: leaves must come in order", lineNo)
			}
			data := []byte{}
			if len(fields) == 3 {
				if data, err = base64.StdEncoding.DecodeString(fields[2]); err != nil {
					die("line %d: %v", lineNo, err)
				}
			}
			hashes, err := tlog.StoredHashes(index, data, reader)
			if err != nil {
				die("line %d: tlog.StoredHashes: %v", lineNo, err)
			}
			stored = append(stored, hashes...)
			leaves = append(leaves, data)

		case "checkpoint":
			if len(fields) != 2 {
				die("line %d: bad checkpoint line", lineNo)
			}
			msg, err := base64.StdEncoding.DecodeString(fields[1])
			if err != nil {
				die("line %d: %v", lineNo, err)
			}
			n, err := note.Open(msg, note.VerifierList(verifier))
			if err != nil {
				fail("line %d: note.Open rejected the checkpoint: %v", lineNo, err)
				continue
			}
			c, err := parseCheckpoint(n.Text)
			if err != nil {
				fail("line %d: %v", lineNo, err)
				continue
			}
			if c.origin != verifier.Name() {
				fail("line %d: origin %q is not the key name %q", lineNo, c.origin, verifier.Name())
			}
			if c.size > int64(len(leaves)) {
				die("line %d: checkpoint for size %d before its leaves", lineNo, c.size)
			}
			th, err := tlog.TreeHash(c.size, reader)
			if err != nil {
				die("line %d: tlog.TreeHash: %v", lineNo, err)
			}
			if th != c.root {
				fail("line %d: signed root for size %d is %v, Go computes %v", lineNo, c.size, c.root, th)
			}
			roots[c.size] = c.root
			nCheckpoints++

		case "inclusion":
			if len(fields) < 3 {
				die("line %d: bad inclusion line", lineNo)
			}
			index, err1 := strconv.ParseInt(fields[1], 10, 64)
			size, err2 := strconv.ParseInt(fields[2], 10, 64)
			proof, err3 := decodeHashes(fields[3:])
			if err1 != nil || err2 != nil || err3 != nil || index < 0 || index >= int64(len(leaves)) {
				die("line %d: bad inclusion line", lineNo)
			}
			root, ok := roots[size]
			if !ok {
				fail("line %d: no verified checkpoint of size %d", lineNo, size)
				continue
			}
			if err := tlog.CheckRecord(tlog.RecordProof(proof), size, root, index, tlog.RecordHash(leaves[index])); err != nil {
				fail("line %d: tlog.CheckRecord(leaf %d, size %d): %v", lineNo, index, size, err)
			}
			if goProof, err := tlog.ProveRecord(size, index, reader); err != nil || !equalHashes(goProof, proof) {
				fail("line %d: inclusion proof (leaf %d, size %d) differs from tlog.ProveRecord", lineNo, index, size)
			}
			nInclusion++

		case "consistency":
			if len(fields) < 3 {
				die("line %d: bad consistency line", lineNo)
			}
			oldSize, err1 := strconv.ParseInt(fields[1], 10, 64)
			newSize, err2 := strconv.ParseInt(fields[2], 10, 64)
			proof, err3 := decodeHashes(fields[3:])
			if err1 != nil || err2 != nil || err3 != nil {
				die("line %d: bad consistency line", lineNo)
			}
			oldRoot, ok1 := roots[oldSize]
			newRoot, ok2 := roots[newSize]
			if !ok1 || !ok2 {
				fail("line %d: no verified checkpoints for sizes %d and %d", lineNo, oldSize, newSize)
				continue
			}
			if err := tlog.CheckTree(tlog.TreeProof(proof), newSize, newRoot, oldSize, oldRoot); err != nil {
				fail("line %d: tlog.CheckTree(%d -> %d): %v", lineNo, oldSize, newSize, err)
			}
			if goProof, err := tlog.ProveTree(newSize, oldSize, reader); err != nil || !equalHashes(goProof, proof) {
				fail("line %d: consistency proof (%d -> %d) differs from tlog.ProveTree", lineNo, oldSize, newSize)
			}
			nConsistency++

		default:
			die("line %d: unknown line type %q", lineNo, fields[0])
		}
	}
	if err := scanner.Err(); err != nil {
		die("%v", err)
	}
	if nCheckpoints == 0 || nInclusion == 0 || nConsistency == 0 {
		fail("nothing to verify: %d checkpoints, %d inclusion and %d consistency proofs",
			nCheckpoints, nInclusion, nConsistency)
	}

	for _, f := range failures {
		fmt.Println("REJECTED:", f)
	}
	fmt.Printf("checked %d leaves, %d checkpoints, %d inclusion and %d consistency proofs: %d failures\n",
		len(leaves), nCheckpoints, nInclusion, nConsistency, len(failures))
	rejected := len(failures) > 0
	if rejected != *wantReject {
		if *wantReject {
			fmt.Println("FAIL: expected Go to reject this input, but every check passed")
		}
		os.Exit(1)
	}
	os.Exit(0)
}
