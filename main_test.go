package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/xuri/excelize/v2"

	"retention/extract/sourcetest"
	"retention/history"
	"retention/jobs"
)

func fixedNow() time.Time { return time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC) }

// cli runs the command line and returns the exit code, stdout and stderr.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, fixedNow, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// lastLine is the one-line reason a failed command ends with.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// workedGate lets the worked example pass the gate: its one skipped row
// is 5 % of the rows read.
const workedGate = "gate:\n  max_skipped_ratio: 0.05\n"

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "retention.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := cli(t, nil, "help")
	for _, cmd := range []string{"run", "check", "demo", "version"} {
		if !strings.Contains(out, "retention "+cmd) {
			t.Errorf("help does not list %s", cmd)
		}
	}
	if code != 0 {
		t.Errorf("help exits %d", code)
	}
	if code, out, _ := cli(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "retention ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := cli(t, nil, "frobnicate"); code != jobs.ExitConfig || !strings.Contains(errOut, `"frobnicate"`) {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

func TestBadInputExitCodes(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	secret := "Sup3rSecret!"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		says string
	}{
		{"unknown config key", nil, []string{"run", "--config", writeConfig(t, "report:\n  granularty: month\n")}, jobs.ExitConfig, "report.granularty"},
		{"bad granularity flag", nil, []string{"run", "--granularity", "weekly"}, jobs.ExitConfig, "--granularity"},
		{"bad period", nil, []string{"run", "--period", "2026-13"}, jobs.ExitConfig, "--period"},
		{"period not complete yet", nil, []string{"run", "--period", "2026-10"}, jobs.ExitConfig, "--period: 2026-10 is not complete until 2026-11-01 00:00"},
		{"period and granularity disagree", nil, []string{"run", "--period", "2026-Q3", "--granularity", "month"}, jobs.ExitConfig, "--granularity"},
		{"missing config file", nil, []string{"run", "--config", "/nonexistent/retention.yaml"}, jobs.ExitConfig, "--config"},
		{"no DSN", nil, []string{"run", "--out", out}, jobs.ExitConfig, "source.dsn"},
		{"unreachable database", map[string]string{"RETENTION_SOURCE_DSN": "reporter:" + secret + "@tcp(127.0.0.1:1)/shop"},
			[]string{"run", "--out", out, "--log-format", "json", "--config", writeConfig(t, "source: {retries: 0}\n")}, jobs.ExitSource, "127.0.0.1:1"},
		{"check on unreachable database", map[string]string{"RETENTION_SOURCE_DSN": "reporter:" + secret + "@tcp(127.0.0.1:1)/shop"},
			[]string{"check"}, jobs.ExitSource, "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := cli(t, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if last := lastLine(stderr); !strings.Contains(last, tt.says) || !strings.HasPrefix(last, "retention ") {
				t.Errorf("last line %q does not name %q", last, tt.says)
			}
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("output shows the password:\n%s%s", stdout, stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("failed runs wrote into %s", out)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	env := map[string]string{"RETENTION_SOURCE_DSN": d.DSN}
	code, out, stderr := cli(t, env, "check")
	if code != 0 {
		t.Fatalf("check exits %d: %s", code, stderr)
	}
	for _, want := range []string{"source.orders     ok, 17 rows", "source.complaints ok, 4 rows", "no customers table", "period      2026-09 (month)",
		// how each timestamp column will be read, before the first run
		"ordered_at DATETIME: wall-clock Asia/Shanghai", "created_at DATETIME: wall-clock Asia/Shanghai",
		"resolved_at DATETIME: wall-clock Asia/Shanghai"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	// In shards, each query is probed as each shard runs it.
	cfg := writeConfig(t, "source:\n  shards: 3\n  complaints: SELECT * FROM complaints WHERE complaint_id % {shards} = {shard} OR complaint_id > 3\n")
	code, out, stderr = cli(t, env, "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("check in shards exits %d: %s", code, stderr)
	}
	orders, complaints, _ := strings.Cut(out, "source.complaints")
	if !strings.Contains(orders, "in 3 shards: ") || strings.Contains(orders, "the shards hold") {
		t.Errorf("check in shards does not count the orders' shards:\n%s", out)
	}
	if !strings.Contains(complaints, "the shards hold 6 rows, the query with {shard} 0 and {shards} 1 4") {
		t.Errorf("check in shards does not see that the complaints' shards overlap:\n%s", out)
	}
	cfg = writeConfig(t, "source:\n  orders: SELECT order_id, customer_id, ordered_at, amount FROM orders\n")
	code, _, stderr = cli(t, env, "check", "--config", cfg)
	if code != jobs.ExitConfig || !strings.Contains(lastLine(stderr), `"department"`) || !strings.Contains(lastLine(stderr), "source.orders") {
		t.Errorf("check with a missing column: exit %d, %q", code, lastLine(stderr))
	}
}

func TestRunFromCommandLine(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	out := t.TempDir()
	cfg := writeConfig(t, "report:\n  out_dir: /nonexistent\n  granularity: year\n"+workedGate)
	code, _, stderr := cli(t, map[string]string{"RETENTION_SOURCE_DSN": d.DSN}, "run", "--config", cfg, "--out", out, "--period", "2026-09")
	if code != 0 {
		t.Fatalf("run exits %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "month", "2026-09", "manifest.json")); err != nil {
		t.Errorf("flags did not override the config: %v", err)
	}
	if !strings.Contains(stderr, `"msg":"run finished"`) {
		t.Errorf("no JSON log line for the outcome:\n%s", stderr)
	}
}

// TestTargetsFromCommandLine is the case on the worked example:
// retention_rate min 0.7 for everyone, relative_churn_rate max 0.01 for
// 华东 only, retention_rate min 0.99 for 华北 (whose ratio is null). The
// run publishes and exits 0; the manifest holds exactly three alerts (the
// company's and 华东's retention of 2/3, 华东's relative churn of 0.049;
// 华北's null breaks nothing), and the log a WARN line for each.
func TestTargetsFromCommandLine(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	out := t.TempDir()
	cfg := writeConfig(t, workedGate+`targets:
  - {metric: retention_rate, min: 0.7}
  - {metric: relative_churn_rate, max: 0.01, departments: [华东]}
  - {metric: retention_rate, min: 0.99, departments: [华北]}
`)
	code, _, stderr := cli(t, map[string]string{"RETENTION_SOURCE_DSN": d.DSN}, "run", "--config", cfg, "--out", out, "--period", "2026-09")
	if code != 0 {
		t.Fatalf("run exits %d: %s", code, stderr)
	}
	var m struct {
		Alerts []struct {
			Department *string  `json:"department"`
			Period     string   `json:"period"`
			Metric     string   `json:"metric"`
			Value      float64  `json:"value"`
			Min        *float64 `json:"min"`
			Max        *float64 `json:"max"`
		} `json:"alerts"`
	}
	b, err := os.ReadFile(filepath.Join(out, "month", "2026-09", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range m.Alerts {
		dept, bound := "company", ""
		if a.Department != nil {
			dept = *a.Department
		}
		if a.Min != nil {
			bound += fmt.Sprintf(" min %g", *a.Min)
		}
		if a.Max != nil {
			bound += fmt.Sprintf(" max %g", *a.Max)
		}
		got = append(got, fmt.Sprintf("%s %s %s %.6f%s", dept, a.Period, a.Metric, a.Value, bound))
	}
	want := []string{
		"company 2026-09 retention_rate 0.666667 min 0.7",
		"华东 2026-09 retention_rate 0.666667 min 0.7",
		"华东 2026-09 relative_churn_rate 0.049180 max 0.01",
	}
	if !slices.Equal(got, want) {
		t.Errorf("alerts:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(stderr, `"level":"WARN","msg":"target missed"`); n != 3 {
		t.Errorf("%d WARN lines for missed targets, want 3:\n%s", n, stderr)
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	code, stdout, stderr := cli(t, nil, "demo", "--out", out)
	if code != 0 {
		t.Fatalf("demo exits %d: %s", code, stderr)
	}
	dir := filepath.Join(out, "month", "2026-09")
	for _, name := range []string{"company.xlsx", "manifest.json", "华东.xlsx", "线上_直营.xlsx", "(unassigned).xlsx"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("demo did not write %s: %v", name, err)
		}
	}
	if !strings.Contains(stdout, dir) {
		t.Errorf("demo does not say where the workbooks are:\n%s", stdout)
	}
}

// TestDemoConfig: demo follows --config like run (locale, granularity,
// history, currency, at-risk limit, output directory), but not its
// source nor its store, and writes under <out_dir>/demo.
func TestDemoConfig(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	secret := "Sup3rSecret!"
	cfg := writeConfig(t, `source:
  dsn: "reporter:`+secret+`@tcp(127.0.0.1:1)/shop"
  orders: SELECT id AS order_id, cust AS customer_id, dept AS department, ts AS ordered_at, amt AS amount FROM sales
store:
  dsn: "writer:`+secret+`@tcp(127.0.0.1:1)/snapshots"
report:
  out_dir: `+out+`
  locale: en
  granularity: quarter
  history: 4
  currency: US$
  at_risk_limit: 7
`)
	env := map[string]string{"RETENTION_SOURCE_DSN": "bad dsn", "RETENTION_STORE_DSN": "bad dsn"}
	code, stdout, stderr := cli(t, env, "demo", "--config", cfg)
	if code != 0 {
		t.Fatalf("demo exits %d: %s", code, lastLine(stderr))
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Error("the demo's output shows the file's password")
	}
	dir := filepath.Join(out, "demo", "quarter", "2026-Q3")
	if !strings.Contains(stdout, dir) {
		t.Fatalf("demo did not write into %s:\n%s", dir, stdout)
	}
	wb, err := excelize.OpenFile(filepath.Join(dir, "company.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if got := wb.GetSheetList()[0]; got != "Summary" {
		t.Errorf("first sheet %q: the file's locale was not used", got)
	}
	trend, err := wb.GetRows("Trend")
	if err != nil {
		t.Fatal(err)
	}
	var header []string // the table's, below the charts
	for _, r := range trend {
		if len(r) > 1 && r[0] == "Metric" {
			header = r
		}
	}
	if got := strings.Join(header, " "); got != "Metric 2025-Q4 2026-Q1 2026-Q2 2026-Q3" {
		t.Errorf("trend header %q, want the file's 4 quarters", got)
	}
	if styles := zipEntry(t, filepath.Join(dir, "company.xlsx"), "xl/styles.xml"); !strings.Contains(styles, "US$") || strings.Contains(styles, "¥") {
		t.Error("money is not formatted in the file's currency")
	}
	east, err := excelize.OpenFile(filepath.Join(dir, "华东.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer east.Close()
	rows, err := east.GetRows("At risk")
	if err != nil {
		t.Fatal(err)
	}
	top := 0 // the table's header, below the notes
	for i, r := range rows {
		if len(r) > 0 && r[0] == "Customer ID" {
			top = i
		}
	}
	if n := len(rows) - top - 1; top == 0 || n != 7 {
		t.Errorf("at-risk list has %d rows below row %d, want report.at_risk_limit 7", n, top+1)
	}
}

// zipEntry is the text of one entry of the zip file at path.
func zipEntry(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMain lets a test run the real command in a subprocess: the test
// binary re-executed with RETENTION_TEST_MAIN=1 is the retention command.
func TestMain(m *testing.M) {
	if os.Getenv("RETENTION_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// command starts the retention command as a subprocess.
func command(t *testing.T, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "RETENTION_TEST_MAIN=1"), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the command did not exit")
		return -1
	}
}

// TestSIGTERM: a SIGTERM while the orders are being read stops the command
// with nothing written: run exits 6 (interrupted), schedule exits 0.
func TestSIGTERM(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{"run", []string{"run", "--period", "2026-09"}, jobs.ExitCanceled},
		{"schedule", []string{"schedule", "--config", ""}, jobs.ExitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := sourcetest.New(t)
			d.ExecFile(t, "testdata/spec/worked_example.sql")
			p := d.Proxy(t)
			stall, seen := make(chan struct{}), make(chan struct{})
			defer close(stall)
			p.On("FROM orders", 1, sourcetest.Fault{Stall: stall, Seen: seen})
			out := t.TempDir()
			args := append(tt.args, "--out", out, "--log-format", "json")
			if tt.name == "schedule" {
				args[2] = writeConfig(t, "schedule: \"@every 1s\"\n")
			}
			cmd, stderr := command(t, []string{"RETENTION_SOURCE_DSN=" + p.DSN()}, args...)
			select {
			case <-seen:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the command never read the orders:\n%s", stderr)
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := exitCode(t, cmd); code != tt.code {
				t.Errorf("exit %d after SIGTERM, want %d:\n%s", code, tt.code, stderr)
			}
			if entries, _ := os.ReadDir(out); len(entries) > 0 {
				t.Errorf("SIGTERM left %s in the output", entries[0].Name())
			}
			if !strings.Contains(stderr.String(), `"outcome":`) {
				t.Errorf("no last line with the outcome:\n%s", stderr)
			}
		})
	}
}

// readAll returns every file under dir, with the entries of zip files
// (workbooks) decompressed, so that a grep sees the text inside them.
func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out[path] = b
		if zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(rc)
				rc.Close()
				out[path+"!"+f.Name] = data
			}
		}
		return nil
	})
	return out
}

// TestPasswordNeverShown runs the job with a password in the DSN, failing
// in several ways and succeeding with a read-only account, and greps every
// output (stdout, stderr with its logs, every file and every part of every
// workbook) for the password.
func TestPasswordNeverShown(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	d.Exec(t, "CREATE TABLE customers (customer_id BIGINT, name VARCHAR(64), owner VARCHAR(64))",
		"INSERT INTO customers VALUES (3, 'Acme', 'Wang')")
	ro := d.ReadOnlyDSN(t)
	cfg, err := mysql.ParseDSN(ro)
	if err != nil {
		t.Fatal(err)
	}
	password := cfg.Passwd
	wrongDB := *cfg
	wrongDB.DBName = "no_such_database"
	tests := []struct {
		name string
		dsn  string
		yaml string
		code int
	}{
		{"read-only account, success", ro, workedGate, jobs.ExitOK},
		{"query missing a column", ro, "source:\n  orders: SELECT order_id, customer_id, department, ordered_at FROM orders\n", jobs.ExitConfig},
		{"unknown database", wrongDB.FormatDSN(), "", jobs.ExitSource},
		{"unreachable server", strings.Replace(ro, cfg.Addr, "127.0.0.1:1", 1), "source: {retries: 0}\n", jobs.ExitSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			code, stdout, stderr := cli(t, map[string]string{"RETENTION_SOURCE_DSN": tt.dsn}, "run", "--period", "2026-09",
				"--out", out, "--config", writeConfig(t, tt.yaml))
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, lastLine(stderr))
			}
			outputs := readAll(t, out)
			outputs["stdout"], outputs["stderr"] = []byte(stdout), []byte(stderr)
			if tt.code == jobs.ExitOK && len(outputs) < 10 {
				t.Fatalf("the successful run wrote %d files", len(outputs))
			}
			for name, b := range outputs {
				if bytes.Contains(b, []byte(password)) {
					t.Errorf("%s shows the password", name)
				}
			}
		})
	}
}

// TestSIGKILLWhilePublishing kills the command (SIGKILL: no clean-up at
// all) at moments spread over its publishing, again and again. After every
// kill the period's directory holds a whole result, the one before or the
// new one; the next run tidies up and publishes the same data.
func TestSIGKILLWhilePublishing(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	out := t.TempDir()
	env := []string{"RETENTION_SOURCE_DSN=" + d.DSN}
	args := []string{"run", "--period", "2026-09", "--out", out, "--log-format", "json", "--config", writeConfig(t, workedGate)}
	dir := filepath.Join(out, "month", "2026-09")
	cmd, stderr := command(t, env, args...)
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	want := manifestData(t, dir)
	killedDuring := 0
	for i := range 20 {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(append(os.Environ(), "RETENTION_TEST_MAIN=1"), env...)
		pipe, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Once the run has computed, it renders and publishes: kill it
		// 0, 3, 6 ... ms into that.
		computed := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(pipe)
			for sc.Scan() {
				if strings.Contains(sc.Text(), `"msg":"computed"`) {
					close(computed)
					break
				}
			}
			io.Copy(io.Discard, pipe)
		}()
		select {
		case <-computed:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the run never computed")
		}
		time.Sleep(time.Duration(3*i) * time.Millisecond) // when to strike, not a wait for anything
		cmd.Process.Kill()
		if err := cmd.Wait(); err == nil {
			continue // it finished first
		}
		killedDuring++
		if !history.Complete(dir) {
			t.Fatalf("after a kill %d ms into publishing the period is not whole", 3*i)
		}
		if got := manifestData(t, dir); got != want {
			t.Fatalf("after a kill %d ms into publishing the period holds other data", 3*i)
		}
	}
	t.Logf("%d of 20 runs killed before they finished", killedDuring)
	if killedDuring == 0 {
		t.Fatal("no run was killed before it finished")
	}
	cmd, stderr = command(t, env, args...)
	if code := exitCode(t, cmd); code != 0 {
		t.Fatalf("run after the kills: exit %d\n%s", code, stderr)
	}
	if got := manifestData(t, dir); got != want {
		t.Error("the run after the kills publishes other data")
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("after the last run the month directory holds %v, want only 2026-09", names)
	}
}

// manifestData is what a period's manifest says about the data, without
// what differs between runs (run id, time, file hashes).
func manifestData(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return string(m["source"]) + string(m["snapshots"]) + string(m["quality"])
}

// TestGateAndDiffFromCommandLine: with the default gate the worked example
// (one row in 21 skipped) is not published, exit 7; --force publishes it;
// diff compares with it, and refuses a period never published.
func TestGateAndDiffFromCommandLine(t *testing.T) {
	t.Parallel()
	d := sourcetest.New(t)
	d.ExecFile(t, "testdata/spec/worked_example.sql")
	out := t.TempDir()
	env := map[string]string{"RETENTION_SOURCE_DSN": d.DSN}
	code, _, stderr := cli(t, env, "run", "--period", "2026-09", "--out", out)
	if code != jobs.ExitGate || !strings.Contains(lastLine(stderr), "skipped_rows: 4.76% of rows skipped (1 of 21; limit 1.00%)") {
		t.Errorf("run past the default gate: exit %d, %q", code, lastLine(stderr))
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("the gated run wrote into %s", out)
	}
	if code, _, stderr := cli(t, env, "run", "--period", "2026-09", "--out", out, "--force"); code != 0 {
		t.Fatalf("run --force: exit %d: %s", code, lastLine(stderr))
	}
	code, stdout, stderr := cli(t, env, "diff", "--period", "2026-09", "--out", out)
	if code != 0 || !strings.Contains(stdout, "2026-09 (month) recomputed") || !strings.Contains(stdout, "No figure moved") {
		t.Errorf("diff: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = cli(t, env, "diff", "--period", "2025-06", "--out", out)
	if code != jobs.ExitConfig || !strings.Contains(lastLine(stderr), "2025-06 has not been published") {
		t.Errorf("diff of an unpublished period: exit %d, %q", code, lastLine(stderr))
	}
	code, _, stderr = cli(t, env, "diff", "--period", "2026-09", "--out", out, "--against", "19990101T000000Z-000000")
	if code != jobs.ExitConfig || !strings.Contains(lastLine(stderr), "--against") {
		t.Errorf("diff against an unknown run: exit %d, %q", code, lastLine(stderr))
	}
}
