package secret

import (
	"strings"

	"github.com/go-sql-driver/mysql"
)

// RedactDSN returns dsn (go-sql-driver's form) with its password replaced
// by *** and without its parameters, for showing; "(unparsable DSN)" when
// it is not a DSN.
func RedactDSN(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	if cfg.Passwd != "" {
		cfg.Passwd = mask
	}
	// Show what the user wrote, not the driver's defaults.
	cfg.Params = nil
	s := cfg.FormatDSN()
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	return s
}

// DSNPassword returns the password of dsn, "" when it has none. Of a DSN
// that does not parse, it is what stands between the first colon and the
// last @, should there be both: such a DSN is still to be kept out of
// messages.
func DSNPassword(dsn string) string {
	if cfg, err := mysql.ParseDSN(dsn); err == nil {
		return cfg.Passwd
	}
	at := strings.LastIndexByte(dsn, '@')
	if at < 0 {
		return ""
	}
	if c := strings.IndexByte(dsn[:at], ':'); c >= 0 {
		return dsn[c+1 : at]
	}
	return ""
}
