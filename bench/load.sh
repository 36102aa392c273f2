#!/usr/bin/env bash
# bench/load.sh DIR DBNAME
#
# Creates database DBNAME (utf8mb4) with InnoDB tables orders, complaints and
# customers (dropping them first if they exist) and loads DIR/orders.tsv,
# DIR/complaints.tsv and DIR/customers.tsv (as written by bench/gen) with
# LOAD DATA LOCAL INFILE through the mariadb client. Prints the rows loaded
# and the seconds taken per table; fails when a count differs from
# DIR/counts.env or the server reports warnings.
#
# Environment:
#   DB_HOST (127.0.0.1)  DB_PORT (3306)  DB_USER (root)  MYSQL_PWD (password, empty)
#   LOAD_SESSION_SQL     statement run in the loading session before LOAD DATA
#                        (default: SET SESSION unique_checks=0, foreign_key_checks=0,
#                        sql_log_bin=0); set it to "DO 0" to load with the server's
#                        defaults. Server-wide settings are never changed.
set -euo pipefail

die() { echo "load.sh: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: bench/load.sh DIR DBNAME"
dir=$(cd "$1" 2>/dev/null && pwd) || die "no such directory: $1"
db=$2
[[ $db =~ ^[A-Za-z0-9_]+$ ]] || die "database name must match [A-Za-z0-9_]+: $db"
for t in orders complaints customers; do
	[[ -r $dir/$t.tsv ]] || die "missing $dir/$t.tsv (run bench/gen first)"
done
[[ $dir != *"'"* && $dir != *\\* ]] || die "directory path must not contain quotes or backslashes: $dir"
command -v mariadb >/dev/null || die "the mariadb client is not installed (apt-get install mariadb-client)"

session_sql=${LOAD_SESSION_SQL:-SET SESSION unique_checks=0, foreign_key_checks=0, sql_log_bin=0}
client=(mariadb --local-infile=1 --default-character-set=utf8mb4 --batch --skip-column-names
	-h "${DB_HOST:-127.0.0.1}" -P "${DB_PORT:-3306}" -u "${DB_USER:-root}")

"${client[@]}" -e 'DO 0' 2>/dev/null ||
	die "cannot connect to ${DB_HOST:-127.0.0.1}:${DB_PORT:-3306} as ${DB_USER:-root}; is the server running? (start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd)"

"${client[@]}" <<SQL
CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE \`$db\`;
DROP TABLE IF EXISTS orders, complaints, customers;
CREATE TABLE orders (
  order_id    BIGINT PRIMARY KEY,
  customer_id BIGINT NULL,
  department  VARCHAR(64) NULL,
  ordered_at  DATETIME NOT NULL,
  amount      DECIMAL(14,2) NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
CREATE TABLE complaints (
  complaint_id BIGINT PRIMARY KEY,
  customer_id  BIGINT NULL,
  department   VARCHAR(64) NULL,
  created_at   DATETIME NOT NULL,
  resolved_at  DATETIME NULL,
  satisfaction TINYINT NULL,
  category     VARCHAR(64) NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
CREATE TABLE customers (
  customer_id BIGINT PRIMARY KEY,
  name        VARCHAR(64) NULL,
  owner       VARCHAR(64) NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
SQL

expected() { # expected TABLE: the row count bench/gen recorded, or empty
	if [[ -r $dir/counts.env ]]; then sed -n "s/^$1=//p" "$dir/counts.env"; fi
}

echo "load.sh: $dir -> $db (session: $session_sql)"
total_start=$(date +%s.%N)
for spec in "orders:order_id, customer_id, department, ordered_at, amount" \
	"complaints:complaint_id, customer_id, department, created_at, resolved_at, satisfaction, category" \
	"customers:customer_id, name, owner"; do
	table=${spec%%:*}
	cols=${spec#*:}
	start=$(date +%s.%N)
	# One session: the settings, the load, then its row count and warnings.
	out=$("${client[@]}" "$db" <<SQL
$session_sql;
LOAD DATA LOCAL INFILE '$dir/$table.tsv' INTO TABLE $table CHARACTER SET utf8mb4 ($cols);
SELECT ROW_COUNT(), @@warning_count;
SHOW WARNINGS LIMIT 5;
SQL
	) || die "loading $table failed"
	end=$(date +%s.%N)
	read -r rows warnings <<<"$(head -n 1 <<<"$out")"
	awk -v t="$table" -v n="$rows" -v a="$start" -v b="$end" \
		'BEGIN { printf "  %-10s %10d rows  %7.2f s  %8.0f rows/s\n", t, n, b - a, n / (b - a) }'
	if [[ $warnings != 0 ]]; then
		echo "$out" | tail -n +2 >&2
		die "$table: $warnings warnings while loading"
	fi
	want=$(expected "$table")
	[[ -z $want || $want == "$rows" ]] || die "$table: loaded $rows rows, $dir/counts.env says $want"
done
awk -v a="$total_start" -v b="$(date +%s.%N)" 'BEGIN { printf "  %-10s %24.2f s\n", "total", b - a }'
