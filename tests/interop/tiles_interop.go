// tiles_interop reads a running signetd's log through its C2SP tlog-tiles API
// with Go's independent implementation, golang.org/x/mod/sumdb/tlog (Debian
// golang-golang-x-mod-dev):
//
//   - GET <prefix>/checkpoint, verified with note.Open and the log's key;
//   - a tlog.TileReader fetching <prefix>/tile/<L>/<N>[.p/<W>] over HTTP (Go's
//     tile paths carry the height, tile/8/L/N; C2SP's drop it);
//     tlog.TileHashReader authenticates every tile it reads against the
//     checkpoint's root, and tlog.TreeHash must give that root;
//   - every entry bundle <prefix>/tile/entries/<N>[.p/<W>]: each entry's
//     tlog.RecordHash must equal the leaf hash the authenticated tiles hold;
//   - with -old-checkpoint, tlog.ProveTree over the tiles must give a proof
//     that tlog.CheckTree accepts from the old checkpoint to the new one.
//
// Usage: tiles_interop -prefix http://127.0.0.1:PORT/v1/log -vkey FILE [-old-checkpoint FILE]
// Exit status 0 when every check passed, 1 otherwise.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const height = 8

type checkpoint struct {
	origin string
	tree   tlog.Tree
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tiles_interop: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func get(url string) []byte {
	res, err := http.Get(url)
	if err != nil {
		fail("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		fail("GET %s: status %d: %s", url, res.StatusCode, body)
	}
	return body
}

func openCheckpoint(msg []byte, v note.Verifier) checkpoint {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		fail("note.Open rejected the checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint body too short: %q", n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("bad size line %q", lines[1])
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("bad root line %q", lines[2])
	}
	return checkpoint{lines[0], tlog.Tree{N: size, Hash: root}}
}

// c2spPath is Go's tile path without the height element.
func c2spPath(t tlog.Tile) string {
	return strings.Replace(t.Path(), fmt.Sprintf("tile/%d/", height), "tile/", 1)
}

type httpTiles struct {
	prefix string
	read   int
}

func (h *httpTiles) Height() int { return height }

func (h *httpTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(h.prefix + "/" + c2spPath(t))
		if len(out[i]) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d", c2spPath(t), len(out[i]), t.W*tlog.HashSize)
		}
		h.read++
	}
	return out, nil
}

func (h *httpTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func main() {
	prefix := flag.String("prefix", "", "the log's tlog-tiles URL prefix")
	vkeyPath := flag.String("vkey", "", "file with the log's verifier key")
	oldPath := flag.String("old-checkpoint", "", "an earlier checkpoint of the same log")
	flag.Parse()
	if *prefix == "" || *vkeyPath == "" {
		fmt.Fprintln(os.Stderr, "usage: tiles_interop -prefix URL -vkey FILE [-old-checkpoint FILE]")
		os.Exit(2)
	}
	vkey, err := os.ReadFile(*vkeyPath)
	if err != nil {
		fail("%v", err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fail("note.NewVerifier: %v", err)
	}
	cp := openCheckpoint(get(*prefix+"/checkpoint"), verifier)
	tr := &httpTiles{prefix: *prefix}
	hashes := tlog.TileHashReader(cp.tree, tr)
	root, err := tlog.TreeHash(cp.tree.N, hashes)
	if err != nil {
		fail("tlog.TreeHash over the tiles: %v", err)
	}
	if root != cp.tree.Hash {
		fail("tlog.TreeHash over the tiles is %v, the checkpoint says %v", root, cp.tree.Hash)
	}

	// Every entry bundle: each entry hashes to the leaf the authenticated tiles hold.
	var entries int64
	for n := int64(0); n*256 < cp.tree.N; n++ {
		w := cp.tree.N - n*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: height, L: -1, N: n, W: int(w)}
		path := strings.Replace(c2spPath(t), "tile/data/", "tile/entries/", 1)
		data := get(*prefix + "/" + path)
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, n*256+int64(i))
		}
		leaves, err := hashes.ReadHashes(indexes)
		if err != nil {
			fail("leaf hashes of %s: %v", path, err)
		}
		for i := int64(0); i < w; i++ {
			if len(data) < 2 {
				fail("%s ends after %d entries", path, i)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				fail("%s: entry %d truncated", path, i)
			}
			if tlog.RecordHash(data[2:2+l]) != leaves[i] {
				fail("%s: entry %d does not hash to its leaf in the tiles", path, n*256+i)
			}
			data = data[2+l:]
			entries++
		}
		if len(data) != 0 {
			fail("%s: %d bytes after its %d entries", path, len(data), w)
		}
	}

	consistency := ""
	if *oldPath != "" {
		msg, err := os.ReadFile(*oldPath)
		if err != nil {
			fail("%v", err)
		}
		old := openCheckpoint(msg, verifier)
		if old.origin != cp.origin {
			fail("old origin %q, new %q", old.origin, cp.origin)
		}
		proof, err := tlog.ProveTree(cp.tree.N, old.tree.N, hashes)
		if err != nil {
			fail("tlog.ProveTree(%d, %d) over the tiles: %v", cp.tree.N, old.tree.N, err)
		}
		if err := tlog.CheckTree(proof, cp.tree.N, cp.tree.Hash, old.tree.N, old.tree.Hash); err != nil {
			fail("tlog.CheckTree(%d -> %d): %v", old.tree.N, cp.tree.N, err)
		}
		consistency = fmt.Sprintf(", consistent with size %d", old.tree.N)
	}
	fmt.Printf("go tlog: %s size %d: TreeHash over %d tiles equals the signed root, %d entries hash to their leaves%s\n",
		cp.origin, cp.tree.N, tr.read, entries, consistency)
}
