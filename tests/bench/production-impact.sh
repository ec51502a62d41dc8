#!/usr/bin/env bash
# What extraction costs a busy production database. pgbench alternates busy and idle phases on a PostgreSQL server
# holding an AC43-like table, three ways: no extractor, a naive full-speed extractor, and the Exchange daemon with
# its load gate. Prints each way's busy-phase TPS, the ratios to the no-extractor run, and whether Exchange staged
# the whole table within the idle phases it was given.
# Last line: production-impact exchange_tps_ratio=… naive_tps_ratio=… exchange_finished=true|false
# Sizes: ROWS (2000000), CYCLES (3), BUSY_SECONDS (30), IDLE_SECONDS (30), CLIENTS (4), SCALE (20).
set -euo pipefail
ROWS="${ROWS:-2000000}"
CYCLES="${CYCLES:-3}"
BUSY_SECONDS="${BUSY_SECONDS:-30}"
IDLE_SECONDS="${IDLE_SECONDS:-30}"
CLIENTS="${CLIENTS:-4}"
SCALE="${SCALE:-20}"
source "$(dirname "$0")/lib.sh"
WORK="$(mktemp -d /tmp/exchange-bench-impact.XXXXXX)"
chmod 755 "$WORK"
BACKGROUND=""
cleanup() { [ -n "$BACKGROUND" ] && kill "$BACKGROUND" 2>/dev/null; wait 2>/dev/null || true; stop_pg; rm -rf "$WORK"; }
trap cleanup EXIT

build_exchange
start_pg "$WORK/pg"
createdb prod
pgbench -i -q -s "$SCALE" prod >/dev/null 2>&1
echo "creating ac43 with $ROWS rows ..."
create_ac43 prod "$ROWS"
SOURCE="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=prod"

# phases <label>: CYCLES times a busy phase (pgbench) then an idle phase; sets MEAN to the mean busy-phase TPS.
phases() {
  local total=0 tps
  for cycle in $(seq "$CYCLES"); do
    tps=$(pgbench -c "$CLIENTS" -j 2 -T "$BUSY_SECONDS" prod 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1)
    printf '%s cycle %d busy_tps=%.0f\n' "$1" "$cycle" "$tps"
    total=$(calc "$total + $tps")
    sleep "$IDLE_SECONDS"
  done
  MEAN=$(calc "$total / $CYCLES")
  printf '%s mean_busy_tps=%.0f\n' "$1" "$MEAN"
}

phases none
NONE=$MEAN

dotnet "$BENCH_DLL" naive "$SOURCE" "$(( CYCLES * (BUSY_SECONDS + IDLE_SECONDS) + 10 ))" > "$WORK/naive.out" &
BACKGROUND=$!
phases naive
NAIVE=$MEAN
kill "$BACKGROUND" 2>/dev/null || true
wait "$BACKGROUND" 2>/dev/null || true
BACKGROUND=""

# Exchange: the real daemon, SQLite staging, the active-backends probe on the source.
CONFIG="$WORK/exchange/config"
mkdir -p "$CONFIG"
cp "$BENCH_ROOT/config/nlog.config" "$CONFIG/"
python3 - "$BENCH_ROOT/config/appsettings.json" "$CONFIG" "$SOURCE" "$(free_port)" "$WORK/exchange" <<'PY'
import json, sys
shipped, config, source, port, root = sys.argv[1:]
app = json.load(open(shipped))
x = app["Exchange"]
x["DataDirectory"] = root + "/data"
x["LogDirectory"] = root + "/logs"
x["Sources"] = {"prod": {"Provider": "postgres", "ConnectionString": source, "TimeZoneOffset": "08:00:00"}}
x["Demo"]["Enabled"] = False
x["Web"]["Urls"] = "http://127.0.0.1:" + port
json.dump(app, open(config + "/appsettings.json", "w"), indent=2)
schedule = {
  "Datasets": [{"Name": "AC43", "Source": "prod", "Cron": "0/1 * * * * ?", "Table": "ac43", "TimestampColumn": "aae036",
                "KeyColumn": "aaz223", "ChunkRows": 1000, "TargetChunkTime": "00:00:00.250", "MaxChunkRows": 20000, "SafetyLag": "00:00:02"}],
  "Load": {"Sources": {"prod": {
    "Probes": [{"Kind": "postgres.active_backends", "Busy": 2, "Idle": 1, "Critical": 60}],
    "SampleInterval": "00:00:00.250", "IdleSamplesToReopen": 3, "Hibernation": "00:05:00"}}}}
json.dump(schedule, open(config + "/schedule.json", "w"), indent=2)
PY
dotnet "$EXCHANGE_DLL" run --config "$CONFIG" > "$WORK/exchange.out" 2>&1 &
BACKGROUND=$!
phases exchange
EXCHANGE=$MEAN
STAGED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select coalesce(sum(row_count),0) from batches where dataset='AC43'\").fetchone()[0])" "$WORK/exchange/data/staging.db")
kill -TERM "$BACKGROUND" 2>/dev/null || true
wait "$BACKGROUND" 2>/dev/null || true
BACKGROUND=""
echo "exchange staged_rows=$STAGED of $ROWS; gate transitions: $(grep -c 'Load gate of source prod' "$WORK/exchange.out" || true)"

FINISHED=false
[ "$STAGED" -ge "$ROWS" ] && FINISHED=true
printf 'production-impact exchange_tps_ratio=%.3f naive_tps_ratio=%.3f exchange_finished=%s\n' \
  "$(calc "$EXCHANGE / $NONE")" "$(calc "$NAIVE / $NONE")" "$FINISHED"
