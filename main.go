// Command retention turns a company's MySQL orders and complaints into
// customer-retention workbooks, one per department and one for the company.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work in a scratch container too

	"retention/config"
	"retention/extract/secret"
	"retention/jobs"
)

// version is stamped at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	// The garbage collector runs at Go's default (GOGC=100); a run keeps
	// its heap near what it needs with a soft memory limit (jobs/memory.go).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, time.Now, os.Stdout, os.Stderr))
}

const usage = `retention computes customer-retention reports from MySQL orders and complaints.

Usage:
  retention run      [--config FILE] [--period 2026-10] [--granularity month|quarter|year] [--out DIR] [--wait 10m] [--force] [--redeliver]
  retention backfill --from 2025-01 --to 2026-09 [--config FILE] [--granularity G] [--out DIR] [--force] [--wait D]
  retention diff     --period 2026-09 [--config FILE] [--granularity G] [--against RUN_ID] [--out DIR]
  retention schedule [--config FILE] [--out DIR] [--wait D]
  retention check    [--config FILE] [--period P] [--granularity G]
  retention deliver  --period 2026-09 [--config FILE] [--granularity G] [--out DIR] [--dry-run] [--redeliver] [--wait D]
  retention demo     [--config FILE] [--out DIR] [--granularity G] [--locale zh-CN|en] [--sql FILE]
  retention version
  retention help

  run       computes one period (default: the latest complete one in the report
            time zone) and writes one workbook per department, company.xlsx and
            manifest.json under <out>/<granularity>/<period>/. Checks run
            before anything is written (gate.*); when one fails, nothing is
            published and the exit code is 7, unless --force, which publishes
            and marks the summary sheets. Then, with delivery configured, each
            recipient gets the workbooks routed to them that they have not
            had with these figures, and the webhook a notice; --redeliver
            sends every routed workbook again.
  backfill  publishes every period of a range with one read of the source;
            periods already complete are skipped unless --force, so an
            interrupted backfill resumes where it stopped. --force also
            publishes past failed checks.
  diff      recomputes a period and prints its figures that moved since they
            were published (last, or by run --against): the Restatements sheet
            on the terminal. It writes nothing.
  schedule  runs on the configuration's schedule (cron expression or @daily,
            in the report time zone) until SIGTERM or SIGINT.
  check     validates the configuration, connects, probes every query and prints
            its row count and the period run would report; with delivery
            configured, opens a session with the mail server (sending nothing)
            and warns of routes to departments the source does not have.
  deliver   sends a published period's workbooks to their recipients without
            recomputing: those never sent, pending or restated since (all with
            --redeliver); --dry-run lists recipient, attachment and subject.
  demo      starts an embedded MySQL-compatible server with generated data and
            runs the same pipeline against it; --sql writes that data as SQL
            for a real server instead. It reads and checks --config as run
            does and follows its time zone, report and gate keys, but not its
            source and store sections nor the DSN variables; it writes under
            <report.out_dir>/demo (./out/demo) unless --out names the
            directory.

Every command takes --log-format auto|json|text (auto: text on a terminal,
JSON otherwise). --wait is how long to wait for another run writing the same
output (default 0: give up at once). The configuration file may also be named
by RETENTION_CONFIG; RETENTION_SOURCE_DSN overrides source.dsn,
RETENTION_STORE_DSN store.dsn and RETENTION_WEBHOOK_URL delivery.webhook.url;
RETENTION_SMTP_PASSWORD is the SMTP password, which no key holds.

Exit codes: 0 ok, 1 internal error, 2 configuration or usage error, 3 source
database error, 4 output error, 5 output locked by another run, 6 interrupted,
7 a check before publishing failed (nothing published), 8 the snapshot store
(store.dsn) could not be read or written, 9 published but not delivered (the
next run or retention deliver sends what is pending).
`

// commandFlags lists the flags each command takes, besides --config and
// --log-format.
var commandFlags = map[string][]string{
	"run":      {"period", "granularity", "out", "wait", "locale", "force", "redeliver"},
	"backfill": {"from", "to", "granularity", "out", "force", "wait", "locale"},
	"schedule": {"out", "wait", "locale"},
	"check":    {"period", "granularity"},
	"diff":     {"period", "granularity", "out", "locale", "against"},
	"demo":     {"out", "granularity", "locale", "sql"},
	"deliver":  {"period", "granularity", "out", "wait", "dry-run", "redeliver"},
}

// options are the command line: main's own flags, and those that make
// the plan, which config.NewPlan reads.
type options struct {
	config, logFormat, sql string
	plan                   config.Flags
}

func parseFlags(cmd string, args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	o := options{plan: config.Flags{Command: cmd}}
	f := &o.plan
	fs := flag.NewFlagSet("retention "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.config, "config", getenv("RETENTION_CONFIG"), "configuration file (YAML)")
	fs.StringVar(&o.logFormat, "log-format", "auto", "auto, json or text")
	for _, name := range commandFlags[cmd] {
		switch name {
		case "period":
			fs.StringVar(&f.Period, name, "", "period to report: 2026-10, 2026-Q3 or 2026 (default: the latest complete one)")
		case "granularity":
			fs.StringVar(&f.Granularity, name, "", "month, quarter or year (overrides report.granularity)")
		case "out":
			fs.StringVar(&f.Out, name, "", "output directory (overrides report.out_dir)")
		case "locale":
			fs.StringVar(&f.Locale, name, "", "zh-CN or en (overrides report.locale)")
		case "wait":
			fs.DurationVar(&f.Wait, name, 0, "how long to wait for another run writing the same output")
		case "from":
			fs.StringVar(&f.From, name, "", "first period of the backfill")
		case "to":
			fs.StringVar(&f.To, name, "", "last period of the backfill")
		case "force":
			help := "publish even when a check before publishing fails; the summary says which"
			if cmd == "backfill" {
				help = "republish periods that are already complete, and publish past failed checks"
			}
			fs.BoolVar(&f.Force, name, false, help)
		case "against":
			fs.StringVar(&f.Against, name, "", "compare with the figures of this run (run_id in the manifest or store) instead of the last published")
		case "redeliver":
			fs.BoolVar(&f.Redeliver, name, false, "send every routed workbook of the period again, whatever was sent before")
		case "dry-run":
			fs.BoolVar(&f.DryRun, name, false, "list the messages (recipient, attachment, subject) and send nothing")
		case "sql":
			fs.StringVar(&o.sql, name, "", "write the demo data as SQL to this file instead of running")
		}
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.Wait < 0 {
		return o, errors.New("--wait must not be negative")
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, now func() time.Time, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return jobs.ExitConfig
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return jobs.ExitOK
	case "version", "--version":
		fmt.Fprintf(stdout, "retention %s (%s)\n", version, runtime.Version())
		return jobs.ExitOK
	}
	if _, ok := commandFlags[cmd]; !ok {
		fmt.Fprintf(stderr, "retention: unknown command %q\n\n%s", cmd, usage)
		return jobs.ExitConfig
	}
	o, err := parseFlags(cmd, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return jobs.ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: %v\n", cmd, err)
		return jobs.ExitConfig
	}

	cfg, err := loadConfig(cmd, o.config, getenv)
	// Whatever the config says, output never shows its secrets: the DSNs'
	// passwords, the SMTP password, the webhook's token.
	mask := secret.NewMasker(cfg.Secrets()...)
	stdout, stderr = mask.Writer(stdout), mask.Writer(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: %v\n", cmd, err)
		return jobs.ExitCode(err)
	}
	logger, err := newLogger(o.logFormat, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: --log-format: %v\n", cmd, err)
		return jobs.ExitConfig
	}
	start := now()
	plan, err := config.NewPlan(cfg, o.plan, start)
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: %v\n", cmd, err)
		return jobs.ExitCode(err)
	}
	opt := jobs.RunOptions{Plan: plan, Now: start, Logger: logger, Version: version}

	switch cmd {
	case "run":
		_, err = jobs.Run(ctx, opt)
	case "backfill":
		var progress io.Writer
		if isTerminal(stderr) {
			progress = stderr
		}
		_, err = jobs.Backfill(ctx, opt, progress)
	case "schedule":
		err = jobs.Schedule(ctx, opt, now)
	case "check":
		err = jobs.Check(ctx, opt, stdout)
	case "diff":
		err = jobs.Diff(ctx, opt, stdout)
	case "deliver":
		err = jobs.Deliver(ctx, opt, stdout)
	case "demo":
		err = demo(ctx, opt, o.sql, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: %v\n", cmd, err)
		return jobs.ExitCode(err)
	}
	return jobs.ExitOK
}

func demo(ctx context.Context, opt jobs.RunOptions, sql string, stdout io.Writer) error {
	if sql != "" {
		return jobs.DemoSQL(sql, opt.Now, opt.Plan.Location)
	}
	out, err := jobs.Demo(ctx, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Demo workbooks written to %s:\n", out.Dir)
	for _, f := range out.Files {
		fmt.Fprintf(stdout, "  %s\n", f)
	}
	return nil
}

// loadConfig reads the file at path, or only the environment and the
// defaults when there is none. The demo reads the file as run does, but
// brings its own source and no store: the environment's DSNs are not
// read, and it writes under <report.out_dir>/demo, so that it never
// replaces the reports of real runs.
func loadConfig(cmd, path string, getenv func(string) string) (config.Config, error) {
	if cmd == "demo" {
		getenv = func(string) string { return "" }
	}
	c, err := loadFile(path, getenv)
	if cmd == "demo" && err == nil {
		c.Report.OutDir = filepath.Join(c.Report.OutDir, "demo")
	}
	return c, err
}

// loadFile loads the configuration file at path; "" is an empty one.
func loadFile(path string, getenv func(string) string) (config.Config, error) {
	if path == "" {
		return config.Load(strings.NewReader(""), getenv)
	}
	f, err := os.Open(path)
	if err != nil {
		return config.Config{}, &config.Error{Key: "--config", Msg: err.Error()}
	}
	defer f.Close()
	c, err := config.Load(f, getenv)
	var ce *config.Error
	if errors.As(err, &ce) {
		ce.Key = path + ": " + ce.Key
	}
	return c, err
}

func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "auto":
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	case "json", "text":
	default:
		return nil, fmt.Errorf("%q is not one of auto, json, text", format)
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil)), nil
	}
	return slog.New(slog.NewJSONHandler(w, nil)), nil
}

func isTerminal(w io.Writer) bool {
	for r, ok := w.(*secret.Writer); ok; r, ok = w.(*secret.Writer) {
		w = r.Unwrap()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
