package extract

import "testing"

// TestTiDBBegin: the statements a set of shards begins with on TiDB.
// (No TiDB is at hand to run them: see docs/SCALING.md, Consistency.)
func TestTiDBBegin(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"8.0.11-TiDB-v7.5.0", "5.7.25-TiDB-v6.5.3"} {
		if !isTiDB(v) {
			t.Errorf("%q is not taken for TiDB", v)
		}
	}
	for _, v := range []string{"10.11.19-MariaDB-0+deb12u1", "8.0.31", "8.4.3"} {
		if isTiDB(v) {
			t.Errorf("%q is taken for TiDB", v)
		}
	}
	got, err := asOfBegin("2026-11-30 02:30:40.516")
	if want := "START TRANSACTION READ ONLY AS OF TIMESTAMP '2026-11-30 02:30:40.516'"; got != want || err != nil {
		t.Errorf("asOfBegin = %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"", "now", "2026-11-30' OR '1", "2026-11-30 02:30:40.516'; DROP TABLE orders"} {
		if got, err := asOfBegin(bad); err == nil {
			t.Errorf("asOfBegin(%q) = %q, want an error", bad, got)
		}
	}
}

// TestBinaryProtocol: the orders and complaints are read in the binary
// protocol from MariaDB and MySQL, in text from go-mysql-server, whose
// binary protocol drops TIMESTAMP(n)'s fraction (TestTimestampTypes
// reads such a column through both).
func TestBinaryProtocol(t *testing.T) {
	for comment, want := range map[string]bool{
		"mariadb.org binary distribution": true, "MySQL Community Server - GPL": true, "Debian n/a": true,
		"TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible": true, "Dolt": false, "": false,
	} {
		if got := binaryKeepsFractions(comment); got != want {
			t.Errorf("binaryKeepsFractions(%q) = %v, want %v", comment, got, want)
		}
	}
}
