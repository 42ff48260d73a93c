"""A real checksum database for tests, built from the toolchain's own x/mod sources.

At test time (never committed) we copy ``GOROOT/src/cmd/vendor/golang.org/x/mod``
into a temporary module, add a small main package around x/mod's own
``sumdb.TestServer`` / ``sumdb.Server`` and build it with the test go. The server
computes each record from a ``file://``-style proxy directory with x/mod's own
``dirhash``, signs tree heads with x/mod's ``note`` package and serves exactly the
protocol the go command speaks. Independent of gozt_lint on purpose.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests import gotool

# The test key of the reference (seed = SHA-256("go-integrity-spec test seed")).
TEST_SKEY = "PRIVATE+KEY+sumdb.test+591ca262+AQgGV4JY1U8p3ZtllL358IpfLX4BDeBX2rjYvyubHfuJ"
TEST_VKEY = "sumdb.test+591ca262+AUh4p6EupodeONZ5xIscAVDnXFs7cArd/QHAmCbYi0BP"
TEST_NAME = "sumdb.test"

MAIN_GO = r'''
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	addr     = flag.String("addr", "127.0.0.1:0", "listen address")
	skey     = flag.String("key", "", "signer key")
	proxyDir = flag.String("proxy", "", "proxy directory (file:// layout)")
	preload  = flag.String("preload", "", "file of path@version lines to add in order at start")
	portFile = flag.String("portfile", "", "write the port here once listening")
	logFile  = flag.String("log", "", "append each request path here")
	mode     = flag.String("mode", "ok", "ok | badid | badrecord | badtile | unrelated | empty | extension | forgedtile")
	filler   = flag.Int("filler", 0, "add this many synthetic records before the preloaded ones")
	attack   = flag.String("attack", "", "path@version whose lookups the attack modes answer")
	forgedID = flag.Int64("forged-id", 1, "forgedtile: the record id whose leaf the forged tile replaces")
	genkey   = flag.String("genkey", "", "print a new signer and verifier key for this name and exit")
	publish  = flag.Duration("publish", 0, "publish (sign) a new tree head at most this often; 0: after every record")
)

// ops is x/mod's TestServer with one change: like sum.golang.org, it can publish
// tree heads in batches, a lookup waiting until its record is in a signed head.
type ops struct {
	signer    note.Signer
	mu        sync.Mutex
	cond      *sync.Cond
	records   [][]byte
	hashes    []tlog.Hash
	lookup    map[string]int64
	published int64
	signed    []byte
	emptyID   int64
}

// addRaw appends a record as is (fillers, the empty record); publishing is left to the caller.
func (o *ops) addRaw(data []byte) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	id := int64(len(o.records))
	o.records = append(o.records, data)
	hashes, err := tlog.StoredHashesForRecordHash(id, tlog.RecordHash(data), o)
	if err != nil {
		log.Fatal(err)
	}
	o.hashes = append(o.hashes, hashes...)
	return id
}

func fillerRecord(i int) []byte {
	p := fmt.Sprintf("example.com/filler/m%03d", i)
	h := sha256.Sum256([]byte(p))
	s := base64.StdEncoding.EncodeToString(h[:])
	return []byte(fmt.Sprintf("%s v1.0.0 h1:%s\n%s v1.0.0/go.mod h1:%s\n", p, s, p, s))
}

// The attacks of the 2026 advisories, answered for lookups of -attack:
//   unrelated  (CVE-2026-42501) the authenticated record of another module;
//   empty      (CVE-2026-42501) an authenticated record with no line at all;
//   extension  (CVE-2026-56864) another module's record, with the target's hash lines
//              as extra lines of the signed tree head (signed, but not in the log);
//   forgedtile (CVE-2026-56865) a record that is not in the log, at -forged-id, proven
//              by a forged level-0 tile that only a check against its parent catches.
func (o *ops) attackLookup(target module.Version) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var id int64
	var text, signed []byte = nil, o.signed
	switch *mode {
	case "unrelated":
		id, text = 0, o.records[0]
	case "empty":
		id, text = o.emptyID, o.records[o.emptyID]
	case "extension":
		lines, err := gosum(target.Path, target.Version)
		if err != nil {
			return nil, err
		}
		h, err := tlog.TreeHash(o.published, o)
		if err != nil {
			return nil, err
		}
		body := string(tlog.FormatTree(tlog.Tree{N: o.published, Hash: h})) + string(lines)
		if signed, err = note.Sign(&note.Note{Text: body}, o.signer); err != nil {
			return nil, err
		}
		id, text = 0, o.records[0]
	case "forgedtile":
		lines, err := gosum(target.Path, target.Version)
		if err != nil {
			return nil, err
		}
		id, text = *forgedID, lines
	default:
		return nil, fmt.Errorf("no attack in mode %s", *mode)
	}
	rec, err := tlog.FormatRecord(id, text)
	if err != nil {
		return nil, err
	}
	return append(rec, signed...), nil
}

// forgeTile replaces, in a level-0 tile holding -forged-id, that record's leaf hash
// with the hash of the forged record.
func (o *ops) forgeTile(t tlog.Tile, body []byte, target module.Version) []byte {
	if t.L != 0 || *forgedID < t.N<<uint(t.H) || *forgedID >= t.N<<uint(t.H)+int64(t.W) {
		return body
	}
	lines, err := gosum(target.Path, target.Version)
	if err != nil {
		return body
	}
	h := tlog.RecordHash(lines)
	out := append([]byte{}, body...)
	off := (*forgedID - t.N<<uint(t.H)) * tlog.HashSize
	copy(out[off:off+tlog.HashSize], h[:])
	return out
}

func (o *ops) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	var list []tlog.Hash
	for _, id := range indexes {
		list = append(list, o.hashes[id])
	}
	return list, nil
}

func (o *ops) publishLocked() {
	size := int64(len(o.records))
	h, err := tlog.TreeHash(size, o)
	if err != nil {
		log.Fatal(err)
	}
	signed, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: size, Hash: h}))}, o.signer)
	if err != nil {
		log.Fatal(err)
	}
	o.published, o.signed = size, signed
	o.cond.Broadcast()
}

func (o *ops) Signed(ctx context.Context) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.signed, nil
}

func (o *ops) ReadRecords(ctx context.Context, id, n int64) ([][]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var list [][]byte
	for i := int64(0); i < n; i++ {
		if id+i >= o.published {
			return nil, fmt.Errorf("missing records")
		}
		list = append(list, o.records[id+i])
	}
	return list, nil
}

func (o *ops) add(m module.Version) (int64, error) {
	key := m.String()
	o.mu.Lock()
	id, ok := o.lookup[key]
	o.mu.Unlock()
	if !ok {
		data, err := gosum(m.Path, m.Version)
		if err != nil {
			return 0, err
		}
		o.mu.Lock()
		if id, ok = o.lookup[key]; !ok {
			id = int64(len(o.records))
			o.records = append(o.records, data)
			o.lookup[key] = id
			hashes, err := tlog.StoredHashesForRecordHash(id, tlog.RecordHash(data), o)
			if err != nil {
				log.Fatal(err)
			}
			o.hashes = append(o.hashes, hashes...)
			if *publish == 0 {
				o.publishLocked()
			}
		}
		o.mu.Unlock()
	}
	return id, nil
}

func (o *ops) Lookup(ctx context.Context, m module.Version) (int64, error) {
	id, err := o.add(m)
	if err != nil {
		return 0, err
	}
	o.mu.Lock()
	for o.published <= id {
		o.cond.Wait()
	}
	o.mu.Unlock()
	return id, nil
}

func (o *ops) ReadTileData(ctx context.Context, t tlog.Tile) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return tlog.ReadTileData(t, o)
}

func gosum(path, vers string) ([]byte, error) {
	ep, err := module.EscapePath(path)
	if err != nil {
		return nil, err
	}
	ev, err := module.EscapeVersion(vers)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(*proxyDir, ep, "@v")
	zh, err := dirhash.HashZip(filepath.Join(dir, ev+".zip"), dirhash.DefaultHash)
	if err != nil {
		return nil, err
	}
	mod, err := os.ReadFile(filepath.Join(dir, ev+".mod"))
	if err != nil {
		return nil, err
	}
	mh, err := dirhash.DefaultHash([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(mod)), nil
	})
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", path, vers, zh, path, vers, mh)), nil
}

type recorder struct {
	http.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (r *recorder) WriteHeader(s int)           { r.status = s }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }

// lie rewrites successful responses the way a misbehaving server might.
func lie(h http.Handler, o *ops) http.Handler {
	var target module.Version
	var targetLookup string
	if *attack != "" {
		p, v, _ := strings.Cut(*attack, "@")
		target = module.Version{Path: p, Version: v}
		ep, err1 := module.EscapePath(p)
		ev, err2 := module.EscapeVersion(v)
		if err1 != nil || err2 != nil {
			log.Fatalf("bad -attack %s", *attack)
		}
		targetLookup = "/lookup/" + ep + "@" + ev
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if targetLookup != "" && strings.HasSuffix(req.URL.Path, targetLookup) {
			body, err := o.attackLookup(target)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Write(body)
			return
		}
		rec := &recorder{ResponseWriter: w, status: 200}
		h.ServeHTTP(rec, req)
		body := rec.buf.Bytes()
		if rec.status == 200 {
			switch {
			case *mode == "badid" && strings.Contains(req.URL.Path, "/lookup/"):
				_, rest, _ := bytes.Cut(body, []byte("\n"))
				body = append([]byte("1000\n"), rest...)
			case *mode == "badrecord" && strings.Contains(req.URL.Path, "/lookup/"):
				i := bytes.Index(body, []byte(" h1:"))
				body = append([]byte{}, body...)
				if body[i+4] == 'A' {
					body[i+4] = 'B'
				} else {
					body[i+4] = 'A'
				}
			case *mode == "badtile" && strings.Contains(req.URL.Path, "/tile/") && len(body) > 0:
				body = append([]byte{}, body...)
				body[0] ^= 1
			case *mode == "forgedtile" && strings.Contains(req.URL.Path, "/tile/"):
				p := req.URL.Path[strings.Index(req.URL.Path, "tile/"):]
				if t, err := tlog.ParseTilePath(p); err == nil {
					body = o.forgeTile(t, body, target)
				}
			}
		}
		w.WriteHeader(rec.status)
		w.Write(body)
	})
}

func main() {
	flag.Parse()
	if *genkey != "" {
		s, v, err := note.GenerateKey(rand.Reader, *genkey)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s)
		fmt.Println(v)
		return
	}
	signer, err := note.NewSigner(*skey)
	if err != nil {
		log.Fatal(err)
	}
	srv := &ops{signer: signer, lookup: map[string]int64{}}
	srv.cond = sync.NewCond(&srv.mu)
	srv.mu.Lock()
	srv.publishLocked()
	srv.mu.Unlock()
	for i := 0; i < *filler; i++ {
		srv.addRaw(fillerRecord(i))
	}
	if *mode == "empty" {
		// A record with no line at all: valid record text, and in the log.
		srv.emptyID = srv.addRaw([]byte("\n"))
	}
	if *preload != "" {
		data, err := os.ReadFile(*preload)
		if err != nil {
			log.Fatal(err)
		}
		for _, line := range strings.Fields(string(data)) {
			p, v, _ := strings.Cut(line, "@")
			if _, err := srv.add(module.Version{Path: p, Version: v}); err != nil {
				log.Fatalf("preload %s: %v", line, err)
			}
		}
	}
	srv.mu.Lock()
	srv.publishLocked()
	srv.mu.Unlock()
	if *publish > 0 {
		go func() {
			for range time.Tick(*publish) {
				srv.mu.Lock()
				if srv.published < int64(len(srv.records)) {
					srv.publishLocked()
				}
				srv.mu.Unlock()
			}
		}()
	}
	dbname := strings.SplitN(*skey, "+", 4)[2]
	var logMu sync.Mutex
	var logW *bufio.Writer
	var logF *os.File
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0666)
		if err != nil {
			log.Fatal(err)
		}
		logF = f
		logW = bufio.NewWriter(f)
	}
	db := lie(sumdb.NewServer(srv), srv)
	prefix := "/proxy/sumdb/" + dbname + "/"
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if logW != nil {
			logMu.Lock()
			fmt.Fprintln(logW, r.URL.Path)
			logW.Flush()
			logF.Sync()
			logMu.Unlock()
		}
		p := r.URL.Path
		switch {
		case p == prefix+"supported":
			w.WriteHeader(200)
		case strings.HasPrefix(p, prefix):
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + strings.TrimPrefix(p, prefix)
			db.ServeHTTP(w, r2)
		case strings.HasPrefix(p, "/proxy/sumdb/"):
			http.NotFound(w, r)
		case strings.HasPrefix(p, "/proxy/"):
			http.StripPrefix("/proxy/", http.FileServer(http.Dir(*proxyDir))).ServeHTTP(w, r)
		default:
			db.ServeHTTP(w, r)
		}
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *portFile != "" {
		port := ln.Addr().(*net.TCPAddr).Port
		tmp := *portFile + ".tmp"
		os.WriteFile(tmp, []byte(fmt.Sprint(port)), 0666)
		os.Rename(tmp, *portFile)
	}
	log.Fatal(http.Serve(ln, mux))
}
'''


def _build_env(root: Path) -> dict[str, str]:
    env = gotool.hermetic_env(root).environ
    env.update(GOFLAGS="-mod=mod", GOPROXY="off", GOSUMDB="off")
    # A shared build cache makes later sessions fast; it holds only compiler output.
    shared = os.environ.get("GOZT_TEST_GOCACHE")
    if shared:
        env["GOCACHE"] = shared
    return env


def build_server(workdir: Path) -> Path:
    """Build the server binary under ``workdir`` and return its path."""
    xmod_src = gotool.goroot() / "src" / "cmd" / "vendor" / "golang.org" / "x" / "mod"
    xmod = workdir / "xmod"
    shutil.copytree(xmod_src, xmod)
    (xmod / "go.mod").write_text("module golang.org/x/mod\n\ngo 1.25\n")
    main = workdir / "server"
    main.mkdir()
    (main / "go.mod").write_text(
        "module sumdbtestserver\n\ngo 1.25\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ../xmod\n"
    )
    (main / "main.go").write_text(MAIN_GO)
    out = workdir / "sumdb-test-server"
    env = _build_env(workdir / "buildenv")
    p = subprocess.run([gotool.find_go(), "build", "-o", str(out), "."], cwd=main, env=env, capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise RuntimeError(f"building the test checksum database failed:\n{p.stdout}\n{p.stderr}")
    gotool.make_writable(workdir / "buildenv")
    return out


def generate_key(binary: Path, name: str) -> tuple[str, str]:
    """A fresh (signer, verifier) key pair made by x/mod's note.GenerateKey."""
    out = subprocess.run([str(binary), "-genkey", name], capture_output=True, text=True, check=True, timeout=60).stdout.split()
    return out[0], out[1]


@dataclass
class Server:
    binary: Path
    proxy: Path
    workdir: Path
    skey: str = TEST_SKEY
    vkey: str = TEST_VKEY
    preload: list[str] | None = None
    mode: str = "ok"
    publish: str = "0"
    filler: int = 0  # synthetic records before the preloaded ones
    attack: str = ""  # path@version the attack modes answer for (see MAIN_GO)
    forged_id: int = 1
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    log: Path = field(default_factory=Path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def proxy_url(self) -> str:
        """GOPROXY value for the same server acting as a module proxy that proxies the database."""
        return f"{self.url}/proxy"

    @property
    def gosumdb(self) -> str:
        return f"{self.vkey} {self.url}"

    @property
    def name(self) -> str:
        return self.vkey.split("+", 1)[0]

    def start(self) -> Server:
        self.workdir.mkdir(parents=True, exist_ok=True)
        portfile = self.workdir / "port"
        if portfile.exists():
            portfile.unlink()
        self.log = self.workdir / "requests.log"
        args = [str(self.binary), "-key", self.skey, "-proxy", str(self.proxy), "-portfile", str(portfile), "-log", str(self.log), "-mode", self.mode, "-publish", self.publish]
        if self.filler:
            args += ["-filler", str(self.filler)]
        if self.attack:
            args += ["-attack", self.attack, "-forged-id", str(self.forged_id)]
        if self.preload is not None:
            pre = self.workdir / "preload.txt"
            pre.write_text("".join(m + "\n" for m in self.preload))
            args += ["-preload", str(pre)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(self.workdir / "stderr.log", "wb"))
        deadline = time.monotonic() + 120
        while not portfile.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"test checksum database exited: {(self.workdir / 'stderr.log').read_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("test checksum database did not start")
            time.sleep(0.02)
        self.port = int(portfile.read_text())
        return self

    def requests(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def go_env_for(env: gotool.GoEnvDirs, server: Server, proxy: Path, **extra: str) -> dict[str, str]:
    """Settings for a real go that downloads from ``proxy`` and checks ``server``."""
    e = dict(env.environ)
    e.update(GOPROXY=gotool.proxy_url(proxy), GOSUMDB=server.gosumdb, GOFLAGS="-mod=mod", GONOSUMDB="", GOPRIVATE="", GONOPROXY="")
    e.update(extra)
    return e
