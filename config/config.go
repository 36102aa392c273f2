package config

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
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

// Config is the whole configuration.
type Config struct {
	Timezone string         // report time zone; periods are cut in it
	Location *time.Location // Timezone, loaded
	Source   Source
	Report   Report
	Store    Store
	Gate     Gate
	Schedule string // cron expression or descriptor; "" when unset
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

	dropSet, skippedSet bool // given in the file: 0 is a valid, strict limit
}

// Source says where and how to read.
type Source struct {
	DSN      string // go-sql-driver form; may be "" until a command needs it
	Timezone string // time zone of the source's wall-clock timestamps
	Location *time.Location
	// The SELECTs. Customers is optional: CustomersSet is false when the
	// config does not set it, and the default query then runs only if a
	// customers table exists.
	Orders       string
	Complaints   string
	Customers    string
	CustomersSet bool
	// Retries is how often a transient failure (connection lost, lock wait
	// timeout) restarts the extraction before the run fails.
	Retries    int
	retriesSet bool
}

// Report shapes the output.
type Report struct {
	OutDir      string
	Granularity string // month, quarter or year
	History     int    // periods in trend and cohort sheets
	Locale      string // zh-CN or en
	Currency    string // symbol shown with money
	AtRiskLimit int
	// RestatementTolerance, in percentage points, is how far a ratio may
	// move from what was published before the move is reported. Money
	// moves by a cent, counts by one.
	RestatementTolerance float64
	toleranceSet         bool
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
// through getenv, fills defaults and validates.
func Load(r io.Reader, getenv func(string) string) (Config, error) {
	var c Config
	var root yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return c, &Error{Key: "config", Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if err := c.decode(&root); err != nil {
		return c, err
	}
	if dsn := getenv(EnvDSN); dsn != "" {
		c.Source.DSN = dsn
	}
	if dsn := getenv(EnvStoreDSN); dsn != "" {
		c.Store.DSN = dsn
	}
	c.defaults()
	return c, c.Validate()
}

func (c *Config) decode(root *yaml.Node) error {
	if root.Kind == 0 {
		return nil // empty document
	}
	doc := root
	if doc.Kind == yaml.DocumentNode {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.ScalarNode && doc.Tag == "!!null" {
		return nil
	}
	return fields(doc, "", map[string]func(*yaml.Node, string) error{
		"timezone": str(&c.Timezone),
		"schedule": str(&c.Schedule),
		"source": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"dsn":        str(&c.Source.DSN),
				"timezone":   str(&c.Source.Timezone),
				"orders":     str(&c.Source.Orders),
				"complaints": str(&c.Source.Complaints),
				"customers": func(n *yaml.Node, key string) error {
					c.Source.CustomersSet = true
					return str(&c.Source.Customers)(n, key)
				},
				"retries": func(n *yaml.Node, key string) error {
					c.Source.retriesSet = true
					return integer(&c.Source.Retries)(n, key)
				},
			})
		},
		"report": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"out_dir":       str(&c.Report.OutDir),
				"granularity":   str(&c.Report.Granularity),
				"history":       integer(&c.Report.History),
				"locale":        str(&c.Report.Locale),
				"currency":      str(&c.Report.Currency),
				"at_risk_limit": integer(&c.Report.AtRiskLimit),
				"restatement_tolerance": func(n *yaml.Node, key string) error {
					c.Report.toleranceSet = true
					return number(&c.Report.RestatementTolerance)(n, key)
				},
			})
		},
		"store": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"dsn": str(&c.Store.DSN),
			})
		},
		"gate": func(n *yaml.Node, key string) error {
			return fields(n, key, map[string]func(*yaml.Node, string) error{
				"max_order_drop": func(n *yaml.Node, key string) error {
					c.Gate.dropSet = true
					return number(&c.Gate.MaxOrderDrop)(n, key)
				},
				"max_skipped_ratio": func(n *yaml.Node, key string) error {
					c.Gate.skippedSet = true
					return number(&c.Gate.MaxSkippedRatio)(n, key)
				},
			})
		},
	})
}

// number decodes a decimal number; a value ending in % is a percentage.
func number(dst *float64) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		text, scale := strings.TrimSpace(n.Value), 1.0
		if strings.HasSuffix(text, "%") {
			text, scale = strings.TrimSuffix(text, "%"), 0.01
		}
		v, err := strconv.ParseFloat(text, 64)
		if n.Kind != yaml.ScalarNode || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return &Error{Key: key, Line: n.Line, Msg: fmt.Sprintf("%q is not a number", n.Value)}
		}
		*dst = v * scale
		return nil
	}
}

// fields decodes a mapping whose keys must all be known.
func fields(n *yaml.Node, prefix string, known map[string]func(*yaml.Node, string) error) error {
	name := strings.TrimSuffix(prefix, ".")
	if n.Kind != yaml.MappingNode {
		if name == "" {
			name = "config"
		}
		return &Error{Key: name, Line: n.Line, Msg: "must be a mapping of keys to values"}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		if k.Kind != yaml.ScalarNode || name == "" || strings.ContainsAny(name, "\x00\n") {
			name = strconv.Quote(name) // shown as written, whatever it holds
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		f, ok := known[k.Value]
		if !ok || k.Kind != yaml.ScalarNode {
			return &Error{Key: key, Line: k.Line, Msg: "unknown key"}
		}
		if seen[k.Value] {
			return &Error{Key: key, Line: k.Line, Msg: "set twice"}
		}
		seen[k.Value] = true
		if err := f(v, key); err != nil {
			return err
		}
	}
	return nil
}

func str(dst *string) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return &Error{Key: key, Line: n.Line, Msg: "must be a string"}
		}
		*dst = n.Value
		return nil
	}
}

func integer(dst *int) func(*yaml.Node, string) error {
	return func(n *yaml.Node, key string) error {
		v, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			return &Error{Key: key, Line: n.Line, Msg: fmt.Sprintf("%q is not a whole number", n.Value)}
		}
		*dst = v
		return nil
	}
}

func (c *Config) defaults() {
	c.Timezone = or(c.Timezone, "Asia/Shanghai")
	c.Source.Timezone = or(c.Source.Timezone, c.Timezone)
	c.Source.Orders = or(c.Source.Orders, DefaultOrders)
	c.Source.Complaints = or(c.Source.Complaints, DefaultComplaints)
	c.Source.Customers = or(c.Source.Customers, DefaultCustomers)
	c.Report.OutDir = or(c.Report.OutDir, "./out")
	c.Report.Granularity = or(c.Report.Granularity, "month")
	c.Report.Locale = or(c.Report.Locale, "zh-CN")
	c.Report.Currency = or(c.Report.Currency, "¥")
	if c.Report.History == 0 {
		c.Report.History = 12
	}
	if c.Report.AtRiskLimit == 0 {
		c.Report.AtRiskLimit = 500
	}
	if !c.Source.retriesSet {
		c.Source.Retries = 3
	}
	if !c.Report.toleranceSet {
		c.Report.RestatementTolerance = 0.1
	}
	if !c.Gate.dropSet {
		c.Gate.MaxOrderDrop = 0.5
	}
	if !c.Gate.skippedSet {
		c.Gate.MaxSkippedRatio = 0.01
	}
}

func or(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// Validate checks every value; Load calls it, and callers that change a
// Config call it again.
func (c *Config) Validate() error {
	var err error
	if c.Location, err = loadLocation(c.Timezone); err != nil {
		return &Error{Key: "timezone", Msg: err.Error()}
	}
	if c.Source.Location, err = loadLocation(c.Source.Timezone); err != nil {
		return &Error{Key: "source.timezone", Msg: err.Error()}
	}
	if c.Source.DSN != "" {
		if _, err := mysql.ParseDSN(c.Source.DSN); err != nil {
			// The driver's messages never quote the DSN, so no password leaks.
			return &Error{Key: "source.dsn", Msg: "not a DSN of the form user:password@tcp(host:3306)/dbname: " + err.Error()}
		}
	}
	for _, q := range []struct {
		key string
		sql *string
	}{{"source.orders", &c.Source.Orders}, {"source.complaints", &c.Source.Complaints}, {"source.customers", &c.Source.Customers}} {
		s, err := SelectOnly(*q.sql)
		if err != nil {
			return &Error{Key: q.key, Msg: err.Error()}
		}
		*q.sql = s
	}
	if c.Source.Retries < 0 || c.Source.Retries > 10 {
		return &Error{Key: "source.retries", Msg: fmt.Sprintf("%d is not between 0 and 10", c.Source.Retries)}
	}
	switch c.Report.Granularity {
	case "month", "quarter", "year":
	default:
		return &Error{Key: "report.granularity", Msg: fmt.Sprintf("%q is not one of month, quarter, year", c.Report.Granularity)}
	}
	if c.Report.History < 2 || c.Report.History > 240 {
		return &Error{Key: "report.history", Msg: fmt.Sprintf("%d is not between 2 and 240 periods", c.Report.History)}
	}
	if !contains(Locales, c.Report.Locale) {
		return &Error{Key: "report.locale", Msg: fmt.Sprintf("%q is not one of %s", c.Report.Locale, strings.Join(Locales, ", "))}
	}
	if n := utf8.RuneCountInString(c.Report.Currency); n > 8 || strings.ContainsAny(c.Report.Currency, "\"\\") ||
		strings.IndexFunc(c.Report.Currency, unicode.IsControl) >= 0 {
		return &Error{Key: "report.currency", Msg: fmt.Sprintf("%q is not a currency symbol of at most 8 characters without quotes", c.Report.Currency)}
	}
	if c.Report.AtRiskLimit < 1 || c.Report.AtRiskLimit > 1_000_000 {
		return &Error{Key: "report.at_risk_limit", Msg: fmt.Sprintf("%d is not between 1 and 1000000", c.Report.AtRiskLimit)}
	}
	if c.Report.RestatementTolerance < 0 || c.Report.RestatementTolerance > 100 {
		return &Error{Key: "report.restatement_tolerance", Msg: fmt.Sprintf("%g is not between 0 and 100 percentage points", c.Report.RestatementTolerance)}
	}
	if c.Gate.MaxOrderDrop < 0 || c.Gate.MaxOrderDrop > 1 {
		return &Error{Key: "gate.max_order_drop", Msg: fmt.Sprintf("%g is not a share between 0 and 1 (50%% is 0.5)", c.Gate.MaxOrderDrop)}
	}
	if c.Gate.MaxSkippedRatio < 0 || c.Gate.MaxSkippedRatio > 1 {
		return &Error{Key: "gate.max_skipped_ratio", Msg: fmt.Sprintf("%g is not a share between 0 and 1 (1%% is 0.01)", c.Gate.MaxSkippedRatio)}
	}
	if c.Store.DSN != "" {
		store, err := mysql.ParseDSN(c.Store.DSN)
		if err != nil {
			return &Error{Key: "store.dsn", Msg: "not a DSN of the form user:password@tcp(host:3306)/dbname: " + err.Error()}
		}
		if store.DBName == "" {
			return &Error{Key: "store.dsn", Msg: "names no database"}
		}
		if src, err := mysql.ParseDSN(c.Source.DSN); err == nil && src.Addr == store.Addr && src.DBName == store.DBName {
			return &Error{Key: "store.dsn", Msg: "is the source database; the store must be a separate, writable one"}
		}
	}
	if c.Schedule != "" {
		if err := parseSchedule(c.Schedule); err != nil {
			return &Error{Key: "schedule", Msg: fmt.Sprintf("%q is not a cron expression or descriptor: %v", c.Schedule, err)}
		}
	}
	return nil
}

// parseSchedule checks a schedule with cron's standard parser, which
// panics on some malformed input ("CRON_TZ=" with nothing after it, found
// by FuzzLoad).
func parseSchedule(spec string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("malformed time zone prefix")
		}
	}()
	_, err = cron.ParseStandard(spec)
	return err
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

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// SelectOnly checks that sql is one SELECT (or WITH … SELECT) statement and
// returns it without surrounding space and trailing semicolons. The job
// runs its queries in a read-only transaction too; this check rejects a
// statement that is not a query before anything runs.
func SelectOnly(sql string) (string, error) {
	s := strings.TrimRight(strings.TrimSpace(sql), "; \t\r\n")
	body := strings.TrimLeft(stripComments(s), "( \t\r\n")
	word := body
	if i := strings.IndexFunc(body, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }); i >= 0 {
		word = body[:i]
	}
	switch strings.ToUpper(word) {
	case "SELECT", "WITH":
	case "":
		return "", errors.New("empty query")
	default:
		return "", fmt.Errorf("must be a SELECT, not %s", strings.ToUpper(word))
	}
	bare := strings.ToUpper(strings.Join(strings.Fields(stripQuoted(stripComments(s))), " "))
	if strings.Contains(bare, ";") {
		return "", errors.New("must be a single statement")
	}
	if strings.Contains(bare, "INTO OUTFILE") || strings.Contains(bare, "INTO DUMPFILE") {
		return "", errors.New("must not write files (INTO OUTFILE / DUMPFILE)")
	}
	return s, nil
}

// stripComments removes leading SQL comments.
func stripComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "--"), strings.HasPrefix(s, "#"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}

// stripQuoted removes quoted strings and identifiers, so that a semicolon
// inside them is not taken for a statement separator.
func stripQuoted(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\'' && c != '"' && c != '`' {
			b.WriteByte(c)
			continue
		}
		for i++; i < len(s) && s[i] != c; i++ {
			if s[i] == '\\' && c != '`' {
				i++
			}
		}
	}
	return b.String()
}
