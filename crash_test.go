package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/jobs/deliver/delivertest"
)

// crashRoutes route the worked example's workbooks as ten messages:
// company.xlsx to four people, 华东's and 华北's to three each.
const crashRoutes = `    company: [f1@example.com, f2@example.com, f3@example.com, f4@example.com]
    departments:
      华东: [e1@example.com, e2@example.com, e3@example.com]
      华北: [n1@example.com, n2@example.com, n3@example.com]
`

// crashServer is an SMTP server a crash test mails through: it can hold
// the K-th MAIL command, or the reply to the K-th message's content
// (after the server has kept it, as one that scans messages does), until
// released.
type crashServer interface {
	addr() string
	paused() <-chan struct{}
	release()
	// received lists each message kept: "recipient file Message-ID".
	received(t *testing.T) []string
}

// TestDeliveryCrashes: a `retention deliver` mailing ten messages is
// killed (SIGKILL) at twenty moments, on the in-process SMTP server and on
// a real server process (aiosmtpd): while the server holds its K-th MAIL
// command (the message's content has not gone: nothing is repeated), and
// while it holds its reply to the K-th message's content, which it keeps
// (the message was in flight: the rerun sends it again, once, under the
// same Message-ID). Each time a rerun then delivers the rest: every
// recipient has its workbook, at most one duplicate per crash, and the two
// copies of a duplicate share their Message-ID.
func TestDeliveryCrashes(t *testing.T) {
	t.Parallel()
	if raceEnabled {
		// It is about processes dying, not memory races, and its 80
		// subprocesses are the test binary: instrumented, they take
		// minutes. The plain run (go test ./..., in CI too) runs it.
		t.Skip("runs without -race: its subprocesses would all be the race-instrumented test binary")
	}
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	published := t.TempDir()
	if code, _, stderr := runMain(t, []string{"RETENTION_SOURCE_DSN=" + d.DSN}, "run", "--period", "2026-09", "--out", published,
		"--config", writeConfig(t, workedGate)); code != jobs.ExitOK {
		t.Fatalf("publishing: exit %d\n%s", code, stderr)
	}
	servers := []struct {
		name  string
		start func(t *testing.T, pause string) crashServer
	}{{"in-process", startGoServer}, {"aiosmtpd", startAiosmtpd}}
	for _, s := range servers {
		for k := 1; k <= 10; k++ {
			for _, at := range []string{"mail", "data"} {
				t.Run(fmt.Sprintf("%s/%s-%d", s.name, at, k), func(t *testing.T) {
					t.Parallel()
					crashAndRerun(t, d, published, s.start(t, fmt.Sprintf("%s:%d", at, k)), at == "data")
				})
			}
		}
	}
}

// crashAndRerun kills a deliver of the published period in a copy of its
// output directory when srv pauses, lets srv go on, reruns the deliver to
// its end and checks what arrived.
func crashAndRerun(t *testing.T, d *sourcetest.DB, published string, srv crashServer, inFlight bool) {
	out := t.TempDir()
	if err := os.CopyFS(out, os.DirFS(published)); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`report: {out_dir: %s}
delivery:
  email:
    smtp: %s
    tls: none
    allow_plaintext: true
    from: "客户保持报告 <reports@example.com>"
%s`, out, srv.addr(), crashRoutes))
	env := []string{"RETENTION_SOURCE_DSN=" + d.DSN}
	cmd, stderr := command(t, env, "deliver", "--period", "2026-09", "--config", cfg)
	select {
	case <-srv.paused():
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the server never paused\n%s", stderr)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred function runs
		t.Fatal(err)
	}
	cmd.Wait()
	srv.release()
	if code, _, stderr := runMain(t, env, "deliver", "--period", "2026-09", "--config", cfg); code != jobs.ExitOK {
		t.Fatalf("the rerun: exit %d\n%s", code, stderr)
	}
	got := srv.received(t)
	byMessage := map[string][]string{} // recipient and file: the Message-IDs received
	for _, g := range got {
		f := strings.Fields(g)
		byMessage[f[0]+" "+f[1]] = append(byMessage[f[0]+" "+f[1]], f[2])
	}
	var want []string
	for _, to := range []string{"f1", "f2", "f3", "f4"} {
		want = append(want, to+"@example.com company.xlsx")
	}
	for _, dept := range []struct{ who, file string }{{"e", "华东.xlsx"}, {"n", "华北.xlsx"}} {
		for i := 1; i <= 3; i++ {
			want = append(want, fmt.Sprintf("%s%d@example.com %s", dept.who, i, dept.file))
		}
	}
	if keys := slices.Sorted(mapsKeys(byMessage)); !slices.Equal(keys, slices.Sorted(slices.Values(want))) {
		t.Fatalf("received %q, want each of %q", got, want)
	}
	dups := len(got) - len(want)
	switch {
	case inFlight && dups != 1, !inFlight && dups != 0:
		t.Errorf("%d duplicates (in flight: %v); received %q", dups, inFlight, got)
	}
	for m, ids := range byMessage {
		if len(ids) > 1 && ids[0] != ids[1] {
			t.Errorf("the two copies to %s carry Message-IDs %s and %s", m, ids[0], ids[1])
		}
	}
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// describe summarises a received message: "recipient file Message-ID".
func describe(t *testing.T, to string, raw []byte) string {
	t.Helper()
	p := delivertest.ParseMail(t, raw)
	if len(p.Attachments) != 1 {
		t.Fatalf("a message to %s with %d attachments", to, len(p.Attachments))
	}
	return to + " " + p.Attachments[0].Filename + " " + p.Header.Get("Message-Id")
}

// goServer is the in-process server (go-smtp) with a pause.
type goServer struct {
	srv   *delivertest.Server
	pause chan struct{}
	once  sync.Once
	hold  chan struct{}
}

func startGoServer(t *testing.T, pause string) crashServer {
	kind, n, _ := strings.Cut(pause, ":")
	k, _ := strconv.Atoi(n)
	g := &goServer{pause: make(chan struct{}), hold: make(chan struct{})}
	wait := func(call int) {
		if call == k {
			close(g.pause)
			<-g.hold
		}
	}
	opt := delivertest.Options{Mode: delivertest.Plain}
	switch kind {
	case "mail":
		opt.Mail = func(_ *smtp.Conn, call int) error { wait(call); return nil }
	case "data":
		opt.Data = func(call int) error { wait(call); return nil }
	}
	g.srv = delivertest.Start(t, opt)
	t.Cleanup(g.release)
	return g
}

func (g *goServer) addr() string            { return g.srv.Addr }
func (g *goServer) paused() <-chan struct{} { return g.pause }
func (g *goServer) release()                { g.once.Do(func() { close(g.hold) }) }

func (g *goServer) received(t *testing.T) []string {
	var out []string
	for _, r := range g.srv.Received() {
		out = append(out, describe(t, r.To[0], r.Data))
	}
	return out
}

// aiosmtpd is a real SMTP server process: testdata/smtp/server.py on
// Debian's python3-aiosmtpd, which CI installs (RETENTION_TEST_AIOSMTPD=1
// makes it required); elsewhere its tests are skipped when it is missing.
type aiosmtpd struct {
	dir  string
	port string
	wait chan struct{}
}

func startAiosmtpd(t *testing.T, pause string) crashServer {
	if err := exec.Command("/usr/bin/python3", "-c", "import aiosmtpd").Run(); err != nil {
		if os.Getenv("RETENTION_TEST_AIOSMTPD") == "1" {
			t.Fatalf("python3 with aiosmtpd is required here (RETENTION_TEST_AIOSMTPD=1): %v", err)
		}
		t.Skip("no python3-aiosmtpd (apt-get install python3-aiosmtpd); .ci/run installs it")
	}
	a := &aiosmtpd{dir: t.TempDir(), wait: make(chan struct{})}
	cmd := exec.Command("/usr/bin/python3", "testdata/smtp/server.py", a.dir)
	cmd.Env = append(os.Environ(), "PAUSE="+pause)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.release()
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(a.dir, "port")); err == nil {
			a.port = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("aiosmtpd did not start\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond) // polling another process's file: there is no signal to wait on
	}
	go func() {
		for {
			if _, err := os.Stat(filepath.Join(a.dir, "paused")); err == nil {
				close(a.wait)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return a
}

func (a *aiosmtpd) addr() string            { return "127.0.0.1:" + a.port }
func (a *aiosmtpd) paused() <-chan struct{} { return a.wait }
func (a *aiosmtpd) release()                { os.WriteFile(filepath.Join(a.dir, "release"), nil, 0o644) }

func (a *aiosmtpd) received(t *testing.T) []string {
	names, err := filepath.Glob(filepath.Join(a.dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var out []string
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		first, rest, _ := bytes.Cut(b, []byte("\r\n"))
		to := strings.TrimPrefix(string(first), "X-Envelope-To: ")
		out = append(out, describe(t, to, rest))
	}
	return out
}
