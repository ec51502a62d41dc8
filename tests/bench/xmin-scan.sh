#!/usr/bin/env bash
# What a dataset with "Watermark": "xmin" costs the source per run. PostgreSQL cannot index xmin, so every run reads the
# whole table once, however few rows changed. On the AC43-like benchmark table: the first run (the full load), a run after
# another table's transaction (nothing of ac43 to read), and a run after 1,000 rows were updated, each with Exchange's engine
# (SQLite staging, gate always open).
# Last line: xmin-scan table_rows=… changed_rows=… seconds=… scanned_rows_per_second=…
# ROWS (default 10000000) sizes the table.
set -euo pipefail
ROWS="${ROWS:-10000000}"
source "$(dirname "$0")/lib.sh"
WORK="$(mktemp -d /tmp/exchange-bench-xmin.XXXXXX)"
chmod 755 "$WORK"
trap 'stop_pg; rm -rf "$WORK"' EXIT

build_exchange
start_pg "$WORK/pg"
createdb prod
echo "creating ac43 with $ROWS rows ..."
create_ac43 prod "$ROWS"
psql -q -d prod -c "CHECKPOINT"
dotnet "$BENCH_DLL" xmin-scan "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=prod" "$ROWS"
