#!/usr/bin/env bash
# bench/run.sh [SIZES...]        (default: 100k 1m 10m)
#
# Measures `retention run` against a real MariaDB/MySQL, size by size, beside
# the floor: the time the mariadb client alone takes to stream the orders the
# job reads. A SIZE is a number of order rows: 100k, 1m, 10m, 2500000, ...
#
# For each size it
#   1. generates the data with bench/gen into $BENCH_DIR/<size> (only when
#      that directory has no complete data set yet; customers = orders/10
#      unless CUSTOMERS is set, then the directory is <size>-c<CUSTOMERS>),
#   2. loads it with bench/load.sh into database retention_bench_<size>
#      (only when the database does not hold the expected row counts),
#   3. runs, alternating, REPS times each:
#        floor: mariadb --quick -N -e "SELECT customer_id, department,
#               ordered_at, amount FROM orders" DB > /dev/null
#        job:   retention run --period $PERIOD --out <tmp> --log-format json
#               with RETENTION_SOURCE_DSN=user@tcp(host:port)/DB, under
#               /usr/bin/time -v for its peak RSS, once for each number of
#               shards in SHARDS (source.shards, through a --config file),
# and prints a Markdown table of the medians (also written to
# $BENCH_DIR/results-<time>.md). The retention binary is built once, from the
# working tree of the repository this script lives in.
#
# Environment (defaults in brackets):
#   BENCH_DIR [/tmp/retention-bench]  data, binaries, logs and results
#   REPS [3]            repetitions of each measurement (median reported)
#   PERIOD [2026-10]    period the job reports
#   CUSTOMERS           customers for every size (default: orders/10 per size)
#   SHARDS [1]          source.shards of the job, one or several: SHARDS="1 2 4"
#   JOB_BIN             a retention binary to measure instead of building one
#   BASE_BIN            another retention binary (another commit's) measured in
#                       the same repetitions, one stream, as the row "base"
#   JOB_TIMEOUT [3600]  seconds before a job run is killed
#   FORCE_GEN=1, FORCE_LOAD=1  regenerate / reload even if cached
#   DB_HOST [127.0.0.1] DB_PORT [3306] DB_USER [root] MYSQL_PWD [empty]
#   LOAD_SESSION_SQL    passed to bench/load.sh
#
# Needs: go, the mariadb client, GNU time (/usr/bin/time; installed with
# apt-get when missing and running as root), a reachable server that allows
# LOAD DATA LOCAL INFILE, and disk space: about 70 MB of TSV and 70 MB of
# InnoDB per million orders (10m: 0.7 + 0.7 GB).
#
# A job that fails is reported (exit code and the end of its stderr) and the
# next size is measured; the script then exits with status 1.
set -euo pipefail

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "run.sh: $*" >&2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
bench_dir=${BENCH_DIR:-/tmp/retention-bench}
reps=${REPS:-3}
period=${PERIOD:-2026-10}
job_timeout=${JOB_TIMEOUT:-3600}
customers=${CUSTOMERS:-}
read -r -a shard_counts <<<"${SHARDS:-1}"
db_host=${DB_HOST:-127.0.0.1}
db_port=${DB_PORT:-3306}
db_user=${DB_USER:-root}
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer: $reps"
[[ -z $customers || $customers =~ ^[1-9][0-9]*$ ]] || die "CUSTOMERS must be a positive integer without leading zeros: $customers"
[[ ${#shard_counts[@]} -gt 0 ]] || die "SHARDS is empty"
for n in "${shard_counts[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ && $n -le 64 ]] || die "SHARDS must hold numbers from 1 to 64: $n"
done
[[ -z ${BASE_BIN:-} || -x ${BASE_BIN:-} ]] || die "BASE_BIN is not an executable: $BASE_BIN"
[[ $# -gt 0 ]] || set -- 100k 1m 10m

orders_of() { # 100k -> 100000, 1m -> 1000000, 2500000 -> 2500000
	local s=${1,,}
	case $s in
	*[0-9]k) [[ ${s%k} =~ ^[0-9]+$ ]] && echo $((10#${s%k} * 1000)) ;;
	*[0-9]m) [[ ${s%m} =~ ^[0-9]+$ ]] && echo $((10#${s%m} * 1000000)) ;;
	*) [[ $s =~ ^[0-9]+$ ]] && echo $((10#$s)) ;;
	esac
}

for size in "$@"; do
	[[ $(orders_of "$size") -gt 0 ]] 2>/dev/null || die "bad size $size (want e.g. 100k, 1m, 10m or a number)"
done

# ---- what the script needs ---------------------------------------------------

command -v go >/dev/null || die "go is not on PATH"
command -v mariadb >/dev/null || die "the mariadb client is not installed (apt-get install mariadb-client)"
command -v timeout >/dev/null || die "timeout (coreutils) is not installed"
if [[ ! -x /usr/bin/time ]]; then
	[[ $(id -u) == 0 ]] || die "/usr/bin/time is missing; install the Debian package: sudo apt-get install time"
	log "installing GNU time (/usr/bin/time is missing)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; } ||
		die "apt-get install time failed"
fi
[[ $(/usr/bin/time -v true 2>&1) == *'Maximum resident set size'* ]] || die "/usr/bin/time is not GNU time (no -v)"

client=(mariadb -h "$db_host" -P "$db_port" -u "$db_user")
"${client[@]}" -N -e 'DO 0' >/dev/null 2>&1 ||
	die "cannot connect to $db_host:$db_port as $db_user; is the server running? (start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd)"

mkdir -p "$bench_dir/bin" "$bench_dir/out" "$bench_dir/logs"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
logs=$bench_dir/logs/$stamp
mkdir -p "$logs"

rev="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD -- 2>/dev/null || echo '+dirty')"
log "building bench/gen and retention from $repo ($rev)"
go -C "$repo" build -o "$bench_dir/bin/gen" ./bench/gen || die "go build ./bench/gen failed"
job_bin=${JOB_BIN:-$bench_dir/bin/retention}
if [[ -n ${JOB_BIN:-} ]]; then
	[[ -x $job_bin ]] || die "JOB_BIN is not an executable: $job_bin"
	rev="$("$job_bin" version 2>/dev/null | head -n 1) at $job_bin"
else
	go -C "$repo" build -o "$job_bin" . || die "go build of retention failed"
fi

# ---- helpers -------------------------------------------------------------------

count_of() { sed -n "s/^$2=//p" "$1/counts.env"; } # count_of DIR KEY

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

median() { # median of the arguments
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

db_rows() { # db_rows DB TABLE: row count, or -1 when the table is missing
	"${client[@]}" -N -e "SELECT COUNT(*) FROM \`$1\`.\`$2\`" 2>/dev/null || echo -1
}

run_floor() { # run_floor DB: seconds
	local t0 t1
	t0=$(now)
	"${client[@]}" --quick -N -e "SELECT customer_id, department, ordered_at, amount FROM orders" "$1" >/dev/null ||
		die "the floor query failed on $1"
	t1=$(now)
	elapsed "$t0" "$t1"
}

# run_job DB TAG SHARDS [BINARY]: prints "seconds peak_rss_kb cpu_seconds" (the
# CPU time is user and system time, less disturbed by other work on the
# machine than the elapsed time) or returns the job's exit code.
run_job() {
	local db=$1 tag=$2 shards=$3 bin=${4:-$job_bin} out t0 t1 rc=0 conf=()
	out=$(mktemp -d "$bench_dir/out/$tag.XXXXXX")
	if [[ $shards != 1 ]]; then
		printf 'source:\n  shards: %d\n' "$shards" >"$bench_dir/shards-$shards.yaml"
		conf=(--config "$bench_dir/shards-$shards.yaml")
	fi
	t0=$(now)
	env -u RETENTION_CONFIG RETENTION_SOURCE_DSN="$db_user${MYSQL_PWD:+:$MYSQL_PWD}@tcp($db_host:$db_port)/$db" \
		timeout "$job_timeout" /usr/bin/time -v -o "$logs/$tag.time" \
		"$bin" run --period "$period" --out "$out" --log-format json "${conf[@]}" \
		>"$logs/$tag.stdout" 2>"$logs/$tag.stderr" || rc=$?
	t1=$(now)
	rm -rf "$out"
	[[ $rc == 0 ]] || return "$rc"
	echo "$(elapsed "$t0" "$t1") $(awk -F': ' '/Maximum resident set size/ { print $2 }' "$logs/$tag.time")" \
		"$(awk -F': ' '/(User|System) time \(seconds\)/ { t += $2 } END { printf "%.2f", t }' "$logs/$tag.time")"
}

# stages LOG: one line of stage durations from a JSON job log (needs jq): the
# longest of the shards' for each table, the merge of the shards' states,
# and the size of the state.
stages() {
	command -v jq >/dev/null || return 0
	jq -rs '[.[] | select(.duration_ms != null and .stage != null)
		| {k: (.stage + (if .table then "/" + .table elif .msg == "merged" then "/merge" else "" end)), d: .duration_ms}]
		| reduce .[] as $x ({ks: [], m: {}}; if .m[$x.k] == null then .ks += [$x.k] | .m[$x.k] = $x.d
			else .m[$x.k] = ([.m[$x.k], $x.d] | max) end)
		| .m as $m | [.ks[] | "\(.) \($m[.] / 1000)s"] | join(" ")' "$1" 2>/dev/null || true
	jq -r 'select(.msg == "folded") | "state \(.state_mb) MB: \(.customers) customers, \(.customer_department_periods) customer-department-periods"' \
		"$1" 2>/dev/null || true
}

# The variants measured in each repetition: the job at each number of shards,
# and the base binary.
variants=("${shard_counts[@]}")
[[ -z ${BASE_BIN:-} ]] || variants=(base "${variants[@]}")
label() { # label VARIANT: how the table names it
	case $1 in
	base) echo "base" ;;
	1) echo "1 shard" ;;
	*) echo "$1 shards" ;;
	esac
}

# ---- sizes ----------------------------------------------------------------------

rows_md=()
any_failed=
for size in "$@"; do
	orders=$(orders_of "$size") || true
	[[ -n $orders && $orders -gt 0 ]] || die "bad size $size (want e.g. 100k, 1m, 10m or a number)"
	name=${size,,}${customers:+-c$customers}
	data=$bench_dir/$name
	db=retention_bench_${name//-/_}
	echo
	echo "## $size: $orders orders${customers:+, $customers customers} -> $data, database $db"

	# 1. Generate unless a complete data set for these flags is cached.
	want_c=${customers:-$((orders / 10 > 0 ? orders / 10 : 1))}
	if [[ ${FORCE_GEN:-} == 1 || ! -r $data/counts.env ]] ||
		[[ $(count_of "$data" orders) != "$orders" || $(count_of "$data" customer_ids) != "$want_c" ]]; then
		gen_args=(-orders "$orders" -out "$data")
		[[ -z $customers ]] || gen_args+=(-customers "$customers")
		"$bench_dir/bin/gen" "${gen_args[@]}" || die "bench/gen failed for $size"
	else
		log "data cached in $data (FORCE_GEN=1 regenerates)"
	fi
	n_orders=$(count_of "$data" orders)
	n_complaints=$(count_of "$data" complaints)
	n_customers=$(count_of "$data" customers)
	n_ids=$(count_of "$data" customer_ids)

	# 2. Load unless the database holds the expected rows.
	if [[ ${FORCE_LOAD:-} == 1 || $(db_rows "$db" orders) != "$n_orders" ||
		$(db_rows "$db" complaints) != "$n_complaints" || $(db_rows "$db" customers) != "$n_customers" ]]; then
		"$here/load.sh" "$data" "$db" || die "bench/load.sh failed for $size"
	else
		log "database $db already holds $n_orders orders, $n_complaints complaints, $n_customers customers (FORCE_LOAD=1 reloads)"
	fi

	# 3. Measure, alternating; one untimed floor run first warms the caches.
	# A variant is "shards" (the built or JOB_BIN binary) or "base".
	run_floor "$db" >/dev/null
	floor_s=() failed=
	declare -A job_s=() rss_kb=() ratios=() cpu_s=()
	for ((i = 1; i <= reps; i++)); do
		f=$(run_floor "$db")
		floor_s+=("$f")
		printf '  rep %d: floor %7.2f s\n' "$i" "$f"
		for v in "${variants[@]}"; do
			tag=$name-$v-$i rc=
			if [[ $v == base ]]; then
				res=$(run_job "$db" "$tag" 1 "$BASE_BIN") || rc=$?
			else
				res=$(run_job "$db" "$tag" "$v") || rc=$?
			fi
			if [[ -z ${rc:-} ]]; then
				read -r js kb cs <<<"$res"
				job_s[$v]+=" $js"
				cpu_s[$v]+=" $cs"
				rss_kb[$v]+=" $kb"
				ratios[$v]+=" $(awk -v j="$js" -v f="$f" 'BEGIN { printf "%.2f", j / f }')"
				printf '    %-9s job %7.2f s  CPU %6.2f s  peak RSS %6.0f MB   %s\n' "$(label "$v"):" "$js" "$cs" \
					"$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$(stages "$logs/$tag.stderr" | paste -sd ' ' -)"
			else
				failed="exit $rc"
				[[ $rc != 124 ]] || failed="timed out after ${job_timeout}s"
				printf '    %-9s job FAILED (%s); its stderr ends with:\n' "$(label "$v"):" "$failed"
				tail -n 5 "$logs/$tag.stderr" | sed 's/^/      /'
				grep -E 'Maximum resident|Exit status' "$logs/$tag.time" 2>/dev/null | sed 's/^\s*/      /' || true
				break 2
			fi
		done
	done

	fm=$(median "${floor_s[@]}")
	if [[ -n $failed ]]; then
		rows_md+=("| $size | $n_orders | $n_ids | $(label "$v") | FAILED ($failed) | $fm | - | - | - | - |")
		any_failed=1
	else
		for v in "${variants[@]}"; do
			read -r -a js <<<"${job_s[$v]}"
			jm=$(median "${js[@]}")
			peak=$(printf '%s\n' ${rss_kb[$v]} | sort -g | tail -n 1)
			range=$(printf '%s\n' ${ratios[$v]} | sort -g | sed -n '1p;$p' | paste -sd '-' -)
			read -r -a cs <<<"${cpu_s[$v]}"
			rows_md+=("| $size | $n_orders | $n_ids | $(label "$v") | $jm | $fm | $(awk -v j="$jm" -v f="$fm" 'BEGIN { printf "%.2f", j / f }') | $range | $(median "${cs[@]}") | $(awk -v k="$peak" 'BEGIN { printf "%.0f", k / 1024 }') |")
		done
	fi
	unset job_s rss_kb ratios cpu_s
done

results=$bench_dir/results-$stamp.md
{
	echo
	echo "retention $rev (as built)${BASE_BIN:+, base: $("$BASE_BIN" version 2>/dev/null | head -n 1)}, $(nproc) cores, $(mariadb --version | sed 's/.*Distrib //; s/,.*//'), medians of $reps runs, period $period, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "| size | orders | customers | job | job s (median) | floor s (median) | job/floor | job/floor of each rep | job CPU s (median) | job peak RSS MB |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	printf '%s\n' "${rows_md[@]}"
} | tee "$results"
log "table written to $results; job logs in $logs"
[[ -z $any_failed ]] || die "the job failed at some size (see above)"
