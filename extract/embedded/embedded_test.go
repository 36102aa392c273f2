package embedded_test

import (
	"database/sql"
	"testing"

	_ "github.com/go-sql-driver/mysql"

	"retention/extract/embedded"
)

// TestRegexp checks the embedded server's regular expressions, which
// need the ICU module that extract/embedded/icuregex compiles on first
// use instead of when the program starts.
func TestRegexp(t *testing.T) {
	srv, err := embedded.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	db, err := sql.Open("mysql", srv.DSN(""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		query string
		want  string
	}{
		{"SELECT '华东-01' REGEXP '^华东-[0-9]+$'", "1"},
		{"SELECT 'abc' REGEXP '^b'", "0"},
		{"SELECT REGEXP_REPLACE('a1b22c', '[0-9]+', '#')", "a#b#c"},
		{"SELECT REGEXP_SUBSTR('order 4711 ok', '[0-9]+')", "4711"},
	} {
		var got string
		if err := db.QueryRow(c.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.query, got, c.want)
		}
	}
}
