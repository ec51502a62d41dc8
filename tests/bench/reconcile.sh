#!/usr/bin/env bash
# What a "Deletes": "Reconcile" pass costs: the AC43-like benchmark table is extracted with the key index (SQLite staging,
# gate always open), 1,000 random rows are deleted at the source, and one reconciliation pass is timed. The source rows it
# read are PostgreSQL's counts for the table over the pass (pg_stat_user_tables.seq_tup_read plus the indexes'
# idx_tup_read), per staged key: about 1.00 means one index entry per key and no row read in full.
# Last line: reconcile keys=… deleted_found=… seconds=… source_rows_read_per_key=…
# ROWS (default 2000000) sizes the table.
set -euo pipefail
ROWS="${ROWS:-2000000}"
source "$(dirname "$0")/lib.sh"
WORK="$(mktemp -d /tmp/exchange-bench-reconcile.XXXXXX)"
chmod 755 "$WORK"
trap 'stop_pg; rm -rf "$WORK"' EXIT

build_exchange
start_pg "$WORK/pg"
createdb prod
echo "creating ac43 with $ROWS rows ..."
create_ac43 prod "$ROWS"
psql -q -d prod -c "CHECKPOINT"
dotnet "$BENCH_DLL" reconcile "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=prod" "$ROWS"
