package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"retention/config/endpoint"
	"retention/extract"
	"retention/extract/secret"
	"retention/transform"
)

// EnvDSN is the environment variable that overrides source.dsn, so that
// the password need not be in a file.
const EnvDSN = "RETENTION_SOURCE_DSN"

// EnvStoreDSN overrides store.dsn likewise.
const EnvStoreDSN = "RETENTION_STORE_DSN"

// Default queries: the spec's column names on tables named after them.
const (
	DefaultOrders     = "SELECT order_id, customer_id, department, ordered_at, amount FROM orders"
	DefaultComplaints = "SELECT complaint_id, customer_id, department, created_at, resolved_at, satisfaction, category FROM complaints"
	DefaultCustomers  = "SELECT customer_id, name, owner FROM customers"
)

// Config is the whole configuration, every value parsed, defaulted and
// checked: a Config that Load returns without an error is valid, and no
// package below re-reads its strings.
type Config struct {
	Location *time.Location // report time zone (timezone); periods are cut in it
	Source   Source
	Report   Report
	Store    Store
	Gate     Gate
	Schedule Schedule // zero when unset
	// Targets bound metrics of the reported period; a broken one is an
	// alert in the manifest, the summary sheet and the log, and never
	// stops publishing.
	Targets []transform.Target
	// Delivery sends the published workbooks to their people and tells
	// a chat; zero when the delivery key is unset.
	Delivery Delivery
}

// Store is where published snapshots are also appended, besides the
// manifests on disk.
type Store struct {
	DSN string // a writable MySQL database, never the source; "" for manifests only
}

// Gate holds the checks run after computing and before publishing.
type Gate struct {
	MaxOrderDrop    float64 // the period's orders may fall at most this share below the previous period's
	MaxSkippedRatio float64 // skipped rows may be at most this share of the rows read
}

// Source says where and how to read.
type Source struct {
	DSN      string         // go-sql-driver form; may be "" until a command needs it
	Location *time.Location // time zone of the source's wall-clock timestamps (source.timezone)
	// The SELECTs. Customers is optional: CustomersSet is false when the
	// config does not set it, and the default query then runs only if a
	// customers table exists.
	Orders       string
	Complaints   string
	Customers    string
	CustomersSet bool
	// Retries is how often a transient failure (connection lost, lock wait
	// timeout) restarts the extraction before the run fails.
	Retries int
	// Shards is how many streams, each on a connection and in a
	// transaction of its own, read the orders and complaints: shard k of N
	// the customers whose id hashes to k (see extract.ShardSQL). 1 reads
	// them in one stream, from one snapshot.
	Shards int
}

// MaxShards bounds source.shards.
const MaxShards = 64

// Report shapes the output.
type Report struct {
	OutDir      string
	Granularity transform.Granularity
	History     int    // periods in trend and cohort sheets
	Locale      string // one of Locales
	Currency    string // symbol shown with money
	AtRiskLimit int
	// RestatementTolerance, in percentage points, is how far a ratio may
	// move from what was published before the move is reported. Money
	// moves by a cent, counts by one.
	RestatementTolerance float64
}

// Schedule is the schedule key: its text as written, for logs, and the
// times it names, parsed once.
type Schedule struct {
	Spec string
	Cron cron.Schedule // nil when unset
}

// Locales lists the label languages.
var Locales = []string{"zh-CN", "en"}

// Error is a configuration problem; Key names the culprit.
type Error struct {
	Key  string
	Line int // 0 when not from the file
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s (line %d): %s", e.Key, e.Line, e.Msg)
	}
	return e.Key + ": " + e.Msg
}

// Load reads the YAML in r (which may be empty), applies the environment
// through getenv, and turns every key into its typed value: defaulted,
// parsed once and checked, so that each message names the key at fault.
// Even with an error, the Config holds the secrets read so far (Secrets),
// so that the caller can keep them out of what it prints.
func Load(r io.Reader, getenv func(string) string) (Config, error) {
	var d document
	var root yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		d.env(getenv)
		return d.partial(), &Error{Key: "config", Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	err := d.decode(&root)
	d.env(getenv)
	if err != nil {
		return d.partial(), err
	}
	return d.config()
}

// env applies the environment: the DSNs and the webhook URL override
// their keys; the SMTP password has no key.
func (d *document) env(getenv func(string) string) {
	if dsn := getenv(EnvDSN); dsn != "" {
		d.source.dsn = dsn
	}
	if dsn := getenv(EnvStoreDSN); dsn != "" {
		d.store.dsn = dsn
	}
	if url := getenv(EnvWebhookURL); url != "" {
		d.delivery.webhook.url = url
	}
	d.delivery.password = getenv(EnvSMTPPassword)
}

// partial is the Config of a document that failed to load: only what
// Secrets needs.
func (d *document) partial() Config {
	c := Config{Source: Source{DSN: d.source.dsn}, Store: Store{DSN: d.store.dsn}}
	if d.delivery.password != "" {
		c.Delivery.Email = &Email{SMTP: endpoint.SMTP{Password: d.delivery.password}}
	}
	if d.delivery.webhook.url != "" {
		c.Delivery.Webhook = &endpoint.Webhook{URL: d.delivery.webhook.url}
	}
	return c
}

// Secrets lists what no output may show: the passwords of the DSNs, the
// SMTP password and the parts of the webhook URL that may be its token.
func (c Config) Secrets() []string {
	var out []string
	for _, dsn := range []string{c.Source.DSN, c.Store.DSN} {
		if pw := secret.DSNPassword(dsn); pw != "" {
			out = append(out, pw)
		}
	}
	if e := c.Delivery.Email; e != nil && e.SMTP.Password != "" {
		out = append(out, e.SMTP.Password)
	}
	if w := c.Delivery.Webhook; w != nil {
		out = append(out, secret.URLParts(w.URL)...)
	}
	return out
}

// document is the configuration as written: text and numbers, before they
// are defaulted, parsed and checked. A flag marks each number whose 0 is a
// value and not "unset".
type document struct {
	timezone, schedule string
	source             struct {
		dsn, timezone, orders, complaints, customers string
		customersSet                                 bool
		retries, shards                              int
		retriesSet, shardsSet                        bool
	}
	report struct {
		outDir, granularity, locale, currency string
		history, atRiskLimit                  int
		tolerance                             float64
		toleranceSet                          bool
	}
	store    struct{ dsn string }
	targets  []transform.Target
	delivery deliveryDoc
	gate     struct {
		maxOrderDrop, maxSkippedRatio float64
		dropSet, skippedSet           bool
	}
}

// Defaults of the time zones, the output directory and the granularity;
// those of the other keys stand where the keys are read.
const (
	defaultTimezone    = "Asia/Shanghai"
	defaultOutDir      = "./out"
	defaultGranularity = transform.Month
)

// config turns the document into a Config, key by key, stopping at the
// first key at fault.
func (d *document) config() (Config, error) {
	c := d.partial()
	var err error
	if c.Location, err = loadLocation(or(d.timezone, defaultTimezone)); err != nil {
		return c, &Error{Key: "timezone", Msg: err.Error()}
	}
	if err := d.sourceConfig(&c.Source); err != nil {
		return c, err
	}
	if err := d.reportConfig(&c.Report); err != nil {
		return c, err
	}
	if err := d.gateConfig(&c.Gate); err != nil {
		return c, err
	}
	if err := checkStore(c.Store.DSN, c.Source.DSN); err != nil {
		return c, err
	}
	if c.Schedule, err = parseSchedule(d.schedule); err != nil {
		return c, err
	}
	c.Targets = d.targets
	if c.Delivery, err = d.delivery.config(); err != nil {
		c.Delivery = d.partial().Delivery
		return c, err
	}
	return c, nil
}

// sourceConfig fills the source's keys; source.timezone defaults to the
// report time zone.
func (d *document) sourceConfig(src *Source) error {
	var err error
	if src.Location, err = loadLocation(or(d.source.timezone, or(d.timezone, defaultTimezone))); err != nil {
		return &Error{Key: "source.timezone", Msg: err.Error()}
	}
	if src.DSN != "" {
		if _, err := mysql.ParseDSN(src.DSN); err != nil {
			// The driver's messages never quote the DSN, so no password leaks.
			return &Error{Key: "source.dsn", Msg: "not a DSN of the form user:password@tcp(host:3306)/dbname: " + err.Error()}
		}
	}
	for _, q := range []struct {
		key, sql, def string
		dst           *string
	}{
		{"source.orders", d.source.orders, DefaultOrders, &src.Orders},
		{"source.complaints", d.source.complaints, DefaultComplaints, &src.Complaints},
		{"source.customers", d.source.customers, DefaultCustomers, &src.Customers},
	} {
		if *q.dst, err = SelectOnly(or(q.sql, q.def)); err != nil {
			return &Error{Key: q.key, Msg: err.Error()}
		}
	}
	if extract.ShardPlaced(src.Customers) {
		return &Error{Key: "source.customers", Msg: "is read once, not in shards: " + extract.PlaceholderShard + " and " +
			extract.PlaceholderShards + " belong in source.orders and source.complaints only"}
	}
	src.CustomersSet = d.source.customersSet
	src.Retries = given(d.source.retries, d.source.retriesSet, 3)
	if src.Retries < 0 || src.Retries > 10 {
		return &Error{Key: "source.retries", Msg: fmt.Sprintf("%d is not between 0 and 10", src.Retries)}
	}
	src.Shards = given(d.source.shards, d.source.shardsSet, 1)
	if src.Shards < 1 || src.Shards > MaxShards {
		return &Error{Key: "source.shards", Msg: fmt.Sprintf("%d is not between 1 and %d", src.Shards, MaxShards)}
	}
	return nil
}

// reportConfig fills the report's keys.
func (d *document) reportConfig(r *Report) error {
	r.OutDir = or(d.report.outDir, defaultOutDir)
	r.Granularity = defaultGranularity
	if strings.TrimSpace(d.report.granularity) != "" {
		g, err := transform.ParseGranularity(d.report.granularity)
		if err != nil {
			return &Error{Key: "report.granularity", Msg: err.Error()}
		}
		r.Granularity = g
	}
	r.History = cmp.Or(d.report.history, 12)
	if r.History < 2 || r.History > 240 {
		return &Error{Key: "report.history", Msg: fmt.Sprintf("%d is not between 2 and 240 periods", r.History)}
	}
	r.Locale = or(d.report.locale, "zh-CN")
	if !slices.Contains(Locales, r.Locale) {
		return &Error{Key: "report.locale", Msg: fmt.Sprintf("%q is not one of %s", r.Locale, strings.Join(Locales, ", "))}
	}
	r.Currency = or(d.report.currency, "¥")
	if n := utf8.RuneCountInString(r.Currency); n > 8 || strings.ContainsAny(r.Currency, "\"\\") ||
		strings.IndexFunc(r.Currency, unicode.IsControl) >= 0 {
		return &Error{Key: "report.currency", Msg: fmt.Sprintf("%q is not a currency symbol of at most 8 characters without quotes", r.Currency)}
	}
	r.AtRiskLimit = cmp.Or(d.report.atRiskLimit, 500)
	if r.AtRiskLimit < 1 || r.AtRiskLimit > 1_000_000 {
		return &Error{Key: "report.at_risk_limit", Msg: fmt.Sprintf("%d is not between 1 and 1000000", r.AtRiskLimit)}
	}
	r.RestatementTolerance = given(d.report.tolerance, d.report.toleranceSet, 0.1)
	if r.RestatementTolerance < 0 || r.RestatementTolerance > 100 {
		return &Error{Key: "report.restatement_tolerance", Msg: fmt.Sprintf("%g is not between 0 and 100 percentage points", r.RestatementTolerance)}
	}
	return nil
}

// gateConfig fills the gate's limits; 0 is a valid, strict limit.
func (d *document) gateConfig(g *Gate) error {
	g.MaxOrderDrop = given(d.gate.maxOrderDrop, d.gate.dropSet, 0.5)
	g.MaxSkippedRatio = given(d.gate.maxSkippedRatio, d.gate.skippedSet, 0.01)
	if g.MaxOrderDrop < 0 || g.MaxOrderDrop > 1 {
		return &Error{Key: "gate.max_order_drop", Msg: fmt.Sprintf("%g is not a share between 0 and 1 (50%% is 0.5)", g.MaxOrderDrop)}
	}
	if g.MaxSkippedRatio < 0 || g.MaxSkippedRatio > 1 {
		return &Error{Key: "gate.max_skipped_ratio", Msg: fmt.Sprintf("%g is not a share between 0 and 1 (1%% is 0.01)", g.MaxSkippedRatio)}
	}
	return nil
}

// checkStore checks store.dsn: a database of its own, not the source's.
func checkStore(dsn, sourceDSN string) error {
	if dsn == "" {
		return nil
	}
	store, err := mysql.ParseDSN(dsn)
	if err != nil {
		return &Error{Key: "store.dsn", Msg: "not a DSN of the form user:password@tcp(host:3306)/dbname: " + err.Error()}
	}
	if store.DBName == "" {
		return &Error{Key: "store.dsn", Msg: "names no database"}
	}
	if src, err := mysql.ParseDSN(sourceDSN); err == nil && src.Addr == store.Addr && src.DBName == store.DBName {
		return &Error{Key: "store.dsn", Msg: "is the source database; the store must be a separate, writable one"}
	}
	return nil
}

// parseSchedule parses the schedule key with cron's standard parser
// (five fields, descriptors such as @daily, a CRON_TZ= prefix), which
// panics on some malformed input ("CRON_TZ=" with nothing after it, found
// by FuzzLoad).
func parseSchedule(spec string) (s Schedule, err error) {
	if spec == "" {
		return s, nil
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = Schedule{}, &Error{Key: "schedule", Msg: fmt.Sprintf("%q is not a cron expression or descriptor: malformed time zone prefix", spec)}
		}
	}()
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return s, &Error{Key: "schedule", Msg: fmt.Sprintf("%q is not a cron expression or descriptor: %v", spec, err)}
	}
	return Schedule{Spec: spec, Cron: sched}, nil
}

func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		return nil, fmt.Errorf("%q depends on the machine; name a zone such as Asia/Shanghai", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a known time zone", name)
	}
	return loc, nil
}

// given is v when the file set it, else def: for the numbers whose 0 is
// a value.
func given[T any](v T, set bool, def T) T {
	if set {
		return v
	}
	return def
}

func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
