#!/usr/bin/env bash
# Exchange's rows per second from an idle PostgreSQL source into durable staging (SQLite, then PostgreSQL), as a ratio
# to `psql \copy (select ...) to /dev/null` on the same table, and the extractor's peak RSS.
# Last line: idle-throughput sqlite_ratio=… postgres_ratio=… peak_rss_mb=…
# `\copy` runs before and after each extraction, and each extraction is compared with the mean rate of the two `\copy`
# runs around it, so that the machine's drift falls on both sides of the ratio.
# ROWS (default 10000000) sizes the table; MAX_CHUNK_ROWS (default 20000, the schedule default) caps the chunk size.
set -euo pipefail
ROWS="${ROWS:-10000000}"
source "$(dirname "$0")/lib.sh"
WORK="$(mktemp -d /tmp/exchange-bench-idle.XXXXXX)"
chmod 755 "$WORK"
trap 'stop_pg; rm -rf "$WORK"' EXIT

build_exchange
start_pg "$WORK/pg"
createdb prod
createdb staging
echo "creating ac43 with $ROWS rows ..."
create_ac43 prod "$ROWS"
# The bulk load leaves dirty buffers; flushed now, they do not slow whichever run comes first.
psql -q -d prod -c "CHECKPOINT"

copy_seconds() {
  local start end
  start=$(date +%s.%N)
  psql -q -d prod -c "\copy (select * from ac43) to /dev/null"
  end=$(date +%s.%N)
  calc "$end - $start"
}
copy_rate() { # prints one \copy line and sets COPY_RPS
  local seconds
  seconds=$(copy_seconds)
  COPY_RPS=$(calc "$ROWS / $seconds")
  printf 'copy rows=%d seconds=%.2f rows_per_second=%.0f\n' "$ROWS" "$seconds" "$COPY_RPS"
}
copy_seconds >/dev/null   # warm the cache the same way for everybody
copy_rate; COPY_BEFORE_SQLITE=$COPY_RPS

SOURCE="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=prod"
SQLITE_LINE=$(dotnet "$BENCH_DLL" extract "$SOURCE" sqlite "Data Source=$WORK/staging.db" "$ROWS")
echo "$SQLITE_LINE"
copy_rate; COPY_BETWEEN=$COPY_RPS
PG_LINE=$(dotnet "$BENCH_DLL" extract "$SOURCE" postgres "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=staging" "$ROWS")
echo "$PG_LINE"
copy_rate; COPY_AFTER_PG=$COPY_RPS

field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
SQLITE_RATIO=$(calc "$(field "$SQLITE_LINE" rows_per_second) / (($COPY_BEFORE_SQLITE + $COPY_BETWEEN) / 2)")
PG_RATIO=$(calc "$(field "$PG_LINE" rows_per_second) / (($COPY_BETWEEN + $COPY_AFTER_PG) / 2)")
PEAK=$(( $(field "$SQLITE_LINE" peak_rss_mb) > $(field "$PG_LINE" peak_rss_mb) ? $(field "$SQLITE_LINE" peak_rss_mb) : $(field "$PG_LINE" peak_rss_mb) ))
printf 'idle-throughput sqlite_ratio=%.2f postgres_ratio=%.2f peak_rss_mb=%d\n' "$SQLITE_RATIO" "$PG_RATIO" "$PEAK"
