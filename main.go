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
	"runtime"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work in a scratch container too

	"retention/config"
	"retention/jobs"
	"retention/transform"
)

// version is stamped at build time: -ldflags "-X main.version=1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, time.Now, os.Stdout, os.Stderr))
}

const usage = `retention computes customer-retention reports from MySQL orders and complaints.

Usage:
  retention run      [--config FILE] [--period 2026-10] [--granularity month|quarter|year] [--out DIR]
  retention check    [--config FILE] [--period P] [--granularity G]
  retention demo     [--out DIR] [--granularity G] [--locale zh-CN|en]
  retention version
  retention help

  run      computes one period (default: the latest complete one in the report
           time zone) and writes one workbook per department, company.xlsx and
           manifest.json under <out>/<granularity>/<period>/.
  check    validates the configuration, connects, probes every query and prints
           its row count and the period run would report.
  demo     starts an embedded MySQL-compatible server with generated data and
           runs the same pipeline against it.

Every command takes --log-format auto|json|text (auto: text on a terminal,
JSON otherwise). The configuration file may also be named by RETENTION_CONFIG;
RETENTION_SOURCE_DSN overrides source.dsn.

Exit codes: 0 ok, 1 internal error, 2 configuration or usage error, 3 source
database error, 4 output error, 5 output locked by another run, 6 interrupted.
`

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
	case "run", "check", "demo":
	default:
		fmt.Fprintf(stderr, "retention: unknown command %q\n\n%s", cmd, usage)
		return jobs.ExitConfig
	}

	fs := flag.NewFlagSet("retention "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", getenv("RETENTION_CONFIG"), "configuration file (YAML)")
	period := fs.String("period", "", "period to report: 2026-10, 2026-Q3 or 2026 (default: the latest complete one)")
	granularity := fs.String("granularity", "", "month, quarter or year (overrides report.granularity)")
	out := fs.String("out", "", "output directory (overrides report.out_dir)")
	locale := fs.String("locale", "", "zh-CN or en (overrides report.locale)")
	logFormat := fs.String("log-format", "auto", "auto, json or text")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return jobs.ExitOK
		}
		return jobs.ExitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "retention %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return jobs.ExitConfig
	}

	cfg, err := loadConfig(cmd, *configPath, getenv)
	// Whatever the config says, output never shows its password.
	stdout, stderr = redacting(stdout, cfg.Source.DSN), redacting(stderr, cfg.Source.DSN)
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: %v\n", cmd, err)
		return jobs.ExitCode(err)
	}
	logger, err := newLogger(*logFormat, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: --log-format: %v\n", cmd, err)
		return jobs.ExitConfig
	}
	p, err := applyFlags(&cfg, *period, *granularity, *out, *locale)
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: %v\n", cmd, err)
		return jobs.ExitConfig
	}

	switch cmd {
	case "run":
		_, err = jobs.Run(ctx, jobs.RunOptions{Config: cfg, Period: p, Now: now(), Logger: logger, Version: version})
	case "check":
		err = jobs.Check(ctx, jobs.RunOptions{Config: cfg, Period: p, Now: now(), Logger: logger, Version: version}, stdout)
	case "demo":
		var o *jobs.Outcome
		o, err = jobs.Demo(ctx, jobs.RunOptions{Config: cfg, Period: p, Now: now(), Logger: logger, Version: version})
		if err == nil {
			fmt.Fprintf(stdout, "Demo workbooks written to %s:\n", o.Dir)
			for _, f := range o.Files {
				fmt.Fprintf(stdout, "  %s\n", f)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "retention %s: %v\n", cmd, err)
		return jobs.ExitCode(err)
	}
	return jobs.ExitOK
}

// loadConfig reads the file at path, or only the environment and the
// defaults when there is none. The demo brings its own source.
func loadConfig(cmd, path string, getenv func(string) string) (config.Config, error) {
	if cmd == "demo" {
		c, err := config.Load(strings.NewReader(""), func(string) string { return "" })
		c.Report.OutDir = "./out/demo"
		return c, err
	}
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

// applyFlags lets flags override the configuration. A --period fixes the
// granularity by its form unless --granularity disagrees.
func applyFlags(c *config.Config, period, granularity, out, locale string) (transform.Period, error) {
	var p transform.Period
	if granularity != "" {
		if _, err := transform.ParseGranularity(granularity); err != nil {
			return p, fmt.Errorf("--granularity: %w", err)
		}
		c.Report.Granularity = granularity
	}
	if period != "" {
		var err error
		if p, err = transform.ParsePeriod(period); err != nil {
			return p, fmt.Errorf("--period: %w", err)
		}
		if granularity != "" && p.G.String() != granularity {
			return p, fmt.Errorf("--period %s is a %s, but --granularity is %s", period, p.G, granularity)
		}
		c.Report.Granularity = p.G.String()
	}
	if out != "" {
		c.Report.OutDir = out
	}
	if locale != "" {
		c.Report.Locale = locale
	}
	if err := c.Validate(); err != nil {
		return p, err
	}
	return p, nil
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
	if r, ok := w.(*redactor); ok {
		w = r.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
