package embedded

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CreateTableSQL is the MySQL DDL of a table with cols, for real servers.
func CreateTableSQL(name string, cols []Column) string {
	var defs, keys []string
	for _, c := range cols {
		typ := map[Type]string{
			BigInt: "BIGINT", TinyInt: "TINYINT", VarChar: "VARCHAR(255)", DateTime: "DATETIME", Decimal: "DECIMAL(14,2)", Text: "TEXT",
		}[c.Type]
		null := " NOT NULL"
		if c.Nullable {
			null = " NULL"
		}
		defs = append(defs, c.Name+" "+typ+null)
		if c.PrimaryKey {
			keys = append(keys, c.Name)
		}
	}
	if len(keys) > 0 {
		defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ", ")+")")
	}
	return "CREATE TABLE " + name + " (" + strings.Join(defs, ", ") + ") DEFAULT CHARSET = utf8mb4"
}

// SQLValue is v as a MySQL literal: NULL, a number, or a quoted string
// (times as DATETIME text of their wall clock).
func SQLValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(v, 10)
	case int8:
		return strconv.Itoa(int(v))
	case int:
		return strconv.Itoa(v)
	case time.Time:
		return "'" + v.Format(time.DateTime) + "'"
	case string:
		r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\x00", `\0`, "\n", `\n`, "\r", `\r`, "\x1a", `\Z`)
		return "'" + r.Replace(v) + "'"
	}
	panic(fmt.Sprintf("embedded: no SQL literal for %T", v))
}
