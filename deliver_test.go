package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"retention/extract/sourcetest"
	"retention/jobs"
	"retention/jobs/deliver/delivertest"
)

// runMain runs the retention command as a subprocess (the test binary, see
// TestMain) with env and returns its exit code, stdout and stderr. A
// subprocess, because only the environment can tell it to trust the
// test server's certificate (SSL_CERT_FILE), as an operator's would.
func runMain(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "RETENTION_TEST_MAIN=1"), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return exitCode(t, cmd), stdout.String(), stderr.String()
}

// TestDeliveryFromCommandLine: run delivers over STARTTLS with AUTH and
// posts the notice; a rerun sends nothing; deliver --dry-run lists; a
// refused password is exit 9 naming the account; a missing one is exit 2
// before anything is written; and neither password nor the webhook's
// token appears in any output: stdout, stderr with its logs, the
// manifest, the ledger, the workbooks.
func TestDeliveryFromCommandLine(t *testing.T) {
	t.Parallel()
	const password, wrong = "C0rrect-H0rse-smtp", "Wr0ng-Battery-smtp"
	const token = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	srv := delivertest.Start(t, delivertest.Options{Mode: delivertest.StartTLS, Users: map[string]string{"reports": password}})
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(certFile, srv.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var notices []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		notices = append(notices, string(b))
		mu.Unlock()
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	t.Cleanup(hook.Close)
	out := t.TempDir()
	cfg := writeConfig(t, workedGate+fmt.Sprintf(`report: {out_dir: %s}
delivery:
  email:
    smtp: %s
    username: reports
    from: "客户保持报告 <reports@example.com>"
    company: [finance@example.com]
    departments:
      华东: [east-sales@example.com]
  webhook: {format: wecom, allow_plaintext: true}
`, out, srv.Addr))
	env := []string{"RETENTION_SOURCE_DSN=" + d.DSN, "SSL_CERT_FILE=" + certFile, "RETENTION_SMTP_PASSWORD=" + password,
		"RETENTION_WEBHOOK_URL=" + hook.URL + "/cgi-bin/webhook/send?key=" + token}
	var outputs []string
	cli := func(env []string, args ...string) (int, string, string) {
		t.Helper()
		code, stdout, stderr := runMain(t, env, append(args, "--config", cfg, "--log-format", "json")...)
		outputs = append(outputs, stdout, stderr)
		return code, stdout, stderr
	}

	if code, _, stderr := cli(env, "run", "--period", "2026-09"); code != jobs.ExitOK {
		t.Fatalf("run exits %d:\n%s", code, stderr)
	}
	if n := len(srv.Received()); n != 2 {
		t.Fatalf("%d messages, want finance's and 华东's", n)
	}
	mu.Lock()
	if len(notices) != 1 || !strings.Contains(notices[0], "客户保持报告 · 2026-09 已发布") {
		t.Errorf("notices %q", notices)
	}
	mu.Unlock()
	if code, _, stderr := cli(env, "run", "--period", "2026-09"); code != jobs.ExitOK || len(srv.Received()) != 2 {
		t.Fatalf("rerun exits %d, %d messages in all:\n%s", code, len(srv.Received()), stderr)
	}
	code, stdout, _ := cli(env, "deliver", "--period", "2026-09", "--dry-run", "--redeliver")
	if code != jobs.ExitOK || !strings.Contains(stdout, "to send  east-sales@example.com  华东.xlsx     客户保持报告 · 华东 · 2026-09") {
		t.Errorf("deliver --dry-run --redeliver exits %d:\n%s", code, stdout)
	}

	// A password the server refuses: published already, exit 9, the
	// account and the server named, no retry (it would not help).
	badEnv := []string{env[0], env[1], "RETENTION_SMTP_PASSWORD=" + wrong, env[3]}
	code, _, stderr := cli(badEnv, "deliver", "--period", "2026-09", "--redeliver")
	last := lastLine(stderr)
	if code != jobs.ExitDelivery || !strings.Contains(last, `authenticating as "reports"`) || !strings.Contains(last, srv.Addr) ||
		!strings.HasPrefix(last, "retention deliver: published 2026-09, but delivery failed: 2 recipients pending") {
		t.Errorf("deliver with a refused password exits %d: %s", code, last)
	}
	if len(srv.Received()) != 2 {
		t.Errorf("a message went out with the wrong password")
	}

	// No password at all: a configuration error before anything runs.
	fresh := t.TempDir()
	code, _, stderr = cli([]string{env[0], env[1], env[3]}, "run", "--period", "2026-09", "--out", fresh)
	if code != jobs.ExitConfig || !strings.Contains(lastLine(stderr), "RETENTION_SMTP_PASSWORD: not set") {
		t.Errorf("run without the SMTP password exits %d: %s", code, lastLine(stderr))
	}
	if entries, _ := os.ReadDir(fresh); len(entries) > 0 {
		t.Errorf("the run without a password wrote %s", entries[0].Name())
	}

	files := readAll(t, out)
	if _, ok := files[filepath.Join(out, "month", "2026-09.deliveries.json")]; !ok {
		t.Fatalf("no delivery ledger among %d files", len(files))
	}
	for i, o := range outputs {
		files[fmt.Sprintf("output %d", i)] = []byte(o)
	}
	for _, r := range srv.Received() {
		files["message to "+r.To[0]] = r.Data
	}
	for name, b := range files {
		for _, secret := range []string{password, wrong, token} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s shows the secret %s", name, secret)
			}
		}
	}
}
