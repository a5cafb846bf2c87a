// test_witness is a TEST witness for Signet's interoperability tests: a small
// implementation of the C2SP tlog-witness protocol (add-checkpoint and the
// monitoring checkpoint) that returns Ed25519 tlog-cosignature/v1
// cosignatures. No witness is packaged for Debian, so the end-to-end tests
// run signetd against this one. It is not a production witness: it has no
// rate limits, no log list refresh, no bastion support and no ML-DSA.
//
// It is written from the specs (https://c2sp.org/tlog-witness,
// https://c2sp.org/tlog-cosignature) with Go's standard library and
// golang.org/x/mod/sumdb/{note,tlog} (Debian golang-golang-x-mod-dev) only:
// note.Open verifies the log's signature, tlog.CheckTree the consistency
// proof.
//
// State: one file per log in -state, named by the hex SHA-256 of the origin,
// holding the latest cosigned checkpoint (the log's note plus this witness's
// cosignature). It is replaced atomically (write, fsync, rename, fsync of the
// directory) before a cosignature is returned, under a lock held from the
// old-size check to the write, so a restart never rolls the witness back.
// The witness's seed is -state/witness.seed (32 bytes, created on first start).
//
// Usage:
//
//	test_witness -listen 127.0.0.1:0 -state DIR -name witness.test/w1 -log VKEY [-log VKEY]...
//
// Each -log is a log verifier key whose name is the log's origin. On start it
// prints "vkey <witness verifier key>" and "listening on http://HOST:PORT".
// For tests of the log's side only, -forge VKEY makes it misbehave: every
// answer also carries a line under that other witness's name and key id whose
// signature is zeros.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const maxBody = 1 << 20

type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

// parseCheckpoint reads a c2sp.org/tlog-checkpoint body strictly.
func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return checkpoint{}, errors.New("checkpoint needs origin, size and root lines")
	}
	var c checkpoint
	c.origin = strings.TrimSuffix(lines[0], "\n")
	sizeText := strings.TrimSuffix(lines[1], "\n")
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != sizeText {
		return checkpoint{}, fmt.Errorf("bad tree size %q", sizeText)
	}
	c.size = size
	if c.root, err = tlog.ParseHash(strings.TrimSuffix(lines[2], "\n")); err != nil {
		return checkpoint{}, fmt.Errorf("bad root hash: %v", err)
	}
	for _, ext := range lines[3 : len(lines)-1] {
		if ext == "\n" {
			return checkpoint{}, errors.New("empty extension line")
		}
	}
	return c, nil
}

type witness struct {
	name     string
	key      ed25519.PrivateKey
	keyID    [4]byte
	stateDir string
	logs     map[string]note.Verifier // origin -> log key
	forged   string                   // a bogus line to add to every answer (-forge)

	mu sync.Mutex // held from the old-size check to the state write
}

func keyID(name string, alg byte, pub []byte) [4]byte {
	h := sha256.Sum256(append([]byte(name+"\n"+string([]byte{alg})), pub...))
	var id [4]byte
	copy(id[:], h[:4])
	return id
}

func (w *witness) vkey() string {
	pub := w.key.Public().(ed25519.PublicKey)
	return fmt.Sprintf("%s+%x+%s", w.name, w.keyID, base64.StdEncoding.EncodeToString(append([]byte{0x04}, pub...)))
}

// cosign returns the cosignature/v1 line for the checkpoint body.
func (w *witness) cosign(body string, ts uint64) string {
	msg := fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, body)
	sig := ed25519.Sign(w.key, []byte(msg))
	raw := append([]byte{}, w.keyID[:]...)
	raw = binary.BigEndian.AppendUint64(raw, ts)
	raw = append(raw, sig...)
	return fmt.Sprintf("\u2014 %s %s\n", w.name, base64.StdEncoding.EncodeToString(raw))
}

func (w *witness) statePath(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return filepath.Join(w.stateDir, hex.EncodeToString(h[:]))
}

// load returns the latest cosigned checkpoint for origin, or size 0 if none.
func (w *witness) load(origin string) (checkpoint, []byte, error) {
	data, err := os.ReadFile(w.statePath(origin))
	if errors.Is(err, os.ErrNotExist) {
		return checkpoint{origin: origin}, nil, nil
	}
	if err != nil {
		return checkpoint{}, nil, err
	}
	n, err := note.Open(data, note.VerifierList(w.logs[origin]))
	if err != nil {
		return checkpoint{}, nil, fmt.Errorf("stored checkpoint for %s: %v", origin, err)
	}
	c, err := parseCheckpoint(n.Text)
	return c, data, err
}

func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

type request struct {
	oldSize int64
	proof   tlog.TreeProof
	note    []byte
}

// parseRequest reads the add-checkpoint body: "old N\n", up to 63 base64
// hash lines, an empty line, then the signed checkpoint.
func parseRequest(body []byte) (request, error) {
	var r request
	rest := body
	line := func() (string, bool) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", false
		}
		l := string(rest[:i])
		rest = rest[i+1:]
		return l, true
	}
	first, ok := line()
	if !ok || !strings.HasPrefix(first, "old ") {
		return r, errors.New(`body must start with "old <size>\n"`)
	}
	sizeText := first[len("old "):]
	old, err := strconv.ParseInt(sizeText, 10, 64)
	if err != nil || old < 0 || strconv.FormatInt(old, 10) != sizeText {
		return r, fmt.Errorf("bad old size %q", sizeText)
	}
	r.oldSize = old
	for {
		l, ok := line()
		if !ok {
			return r, errors.New("no empty line before the checkpoint")
		}
		if l == "" {
			break
		}
		if len(r.proof) == 63 {
			return r, errors.New("more than 63 consistency proof lines")
		}
		h, err := tlog.ParseHash(l)
		if err != nil {
			return r, fmt.Errorf("bad proof line: %v", err)
		}
		r.proof = append(r.proof, h)
	}
	r.note = rest
	return r, nil
}

func fail(rw http.ResponseWriter, code int, format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	log.Printf("add-checkpoint: %d %s", code, msg)
	http.Error(rw, msg, code)
}

func (w *witness) addCheckpoint(rw http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		fail(rw, http.StatusBadRequest, "cannot read body (at most %d bytes)", maxBody)
		return
	}
	r, err := parseRequest(body)
	if err != nil {
		fail(rw, http.StatusBadRequest, "%v", err)
		return
	}
	// The origin is the first line of the note text; find its key.
	origin := string(r.note[:max(0, bytes.IndexByte(r.note, '\n'))])
	verifier, ok := w.logs[origin]
	if !ok {
		fail(rw, http.StatusNotFound, "unknown log origin %q", origin)
		return
	}
	n, err := note.Open(r.note, note.VerifierList(verifier))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			fail(rw, http.StatusForbidden, "checkpoint not signed by the log's key: %v", err)
		} else {
			fail(rw, http.StatusBadRequest, "malformed signed note: %v", err)
		}
		return
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil || c.origin != origin {
		fail(rw, http.StatusBadRequest, "malformed checkpoint: %v", err)
		return
	}
	if r.oldSize > c.size {
		fail(rw, http.StatusBadRequest, "old size %d is larger than the checkpoint's %d", r.oldSize, c.size)
		return
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	latest, _, err := w.load(origin)
	if err != nil {
		fail(rw, http.StatusInternalServerError, "%v", err)
		return
	}
	if r.oldSize != latest.size {
		log.Printf("add-checkpoint: 409 old size %d, latest cosigned %d", r.oldSize, latest.size)
		rw.Header().Set("Content-Type", "text/x.tlog.size")
		rw.WriteHeader(http.StatusConflict)
		fmt.Fprintf(rw, "%d\n", latest.size)
		return
	}
	if c.size == 0 && c.root != tlog.Hash(sha256.Sum256(nil)) {
		fail(rw, http.StatusUnprocessableEntity, "a checkpoint of size 0 must have the empty tree's root")
		return
	}
	switch {
	case r.oldSize == 0:
		if len(r.proof) != 0 {
			fail(rw, http.StatusUnprocessableEntity, "old size 0 needs an empty proof")
			return
		}
	case r.oldSize == c.size:
		if c.root != latest.root || len(r.proof) != 0 {
			fail(rw, http.StatusUnprocessableEntity,
				"size %d: root %v differs from the cosigned %v (a fork)", c.size, c.root, latest.root)
			return
		}
	default:
		if err := tlog.CheckTree(r.proof, c.size, c.root, r.oldSize, latest.root); err != nil {
			fail(rw, http.StatusUnprocessableEntity,
				"size %d is not consistent with the cosigned size %d: %v", c.size, r.oldSize, err)
			return
		}
	}
	line := w.cosign(n.Text, uint64(time.Now().Unix()))
	if err := writeAtomic(w.statePath(origin), append(append([]byte{}, r.note...), line...)); err != nil {
		fail(rw, http.StatusInternalServerError, "cannot persist: %v", err)
		return
	}
	log.Printf("add-checkpoint: 200 %s size %d (from %d)", origin, c.size, r.oldSize)
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(rw, w.forged+line)
}

func (w *witness) monitoringCheckpoint(rw http.ResponseWriter, req *http.Request) {
	want := strings.TrimSuffix(strings.TrimPrefix(req.URL.Path, "/"), "/checkpoint")
	for origin := range w.logs {
		if filepath.Base(w.statePath(origin)) != want {
			continue
		}
		w.mu.Lock()
		_, data, err := w.load(origin)
		w.mu.Unlock()
		if err != nil {
			http.Error(rw, err.Error(), http.StatusInternalServerError)
			return
		}
		if data == nil {
			break
		}
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Write(data)
		return
	}
	http.Error(rw, "this witness has cosigned no checkpoint of that log", http.StatusNotFound)
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	stateDir := flag.String("state", "", "directory for the witness's key and state")
	name := flag.String("name", "witness.test/w1", "the witness's key name")
	var logKeys multiFlag
	flag.Var(&logKeys, "log", "verifier key of a log to witness (its name is the origin); repeatable")
	forge := flag.String("forge", "", "TESTS ONLY: also answer a bogus line under this witness vkey's name and id")
	flag.Parse()
	if *stateDir == "" || len(logKeys) == 0 {
		fmt.Fprintln(os.Stderr, "usage: test_witness -state DIR -log VKEY [-log VKEY]... [-listen ADDR] [-name NAME]")
		os.Exit(2)
	}
	if err := os.MkdirAll(*stateDir, 0o700); err != nil {
		log.Fatal(err)
	}
	seedPath := filepath.Join(*stateDir, "witness.seed")
	seed, err := os.ReadFile(seedPath)
	if errors.Is(err, os.ErrNotExist) {
		seed = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			log.Fatal(err)
		}
		if err := writeAtomic(seedPath, seed); err != nil {
			log.Fatal(err)
		}
	} else if err != nil {
		log.Fatal(err)
	}
	if len(seed) != ed25519.SeedSize {
		log.Fatalf("%s must hold %d bytes", seedPath, ed25519.SeedSize)
	}
	w := &witness{name: *name, key: ed25519.NewKeyFromSeed(seed), stateDir: *stateDir,
		logs: map[string]note.Verifier{}}
	w.keyID = keyID(w.name, 0x04, w.key.Public().(ed25519.PublicKey))
	for _, k := range logKeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			log.Fatalf("-log %q: %v", k, err)
		}
		w.logs[v.Name()] = v
	}
	if *forge != "" {
		parts := strings.SplitN(*forge, "+", 3)
		id, err := hex.DecodeString(parts[1])
		if len(parts) != 3 || err != nil || len(id) != 4 {
			log.Fatalf("-forge %q: not a vkey", *forge)
		}
		w.forged = fmt.Sprintf("\u2014 %s %s\n", parts[0], base64.StdEncoding.EncodeToString(append(id, make([]byte, 72)...)))
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/add-checkpoint", func(rw http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost {
			http.Error(rw, "POST only", http.StatusMethodNotAllowed)
			return
		}
		w.addCheckpoint(rw, req)
	})
	mux.HandleFunc("/", func(rw http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet || !strings.HasSuffix(req.URL.Path, "/checkpoint") {
			http.NotFound(rw, req)
			return
		}
		w.monitoringCheckpoint(rw, req)
	})
	fmt.Printf("vkey %s\n", w.vkey())
	fmt.Printf("listening on http://%s\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal(http.Serve(ln, mux))
}
