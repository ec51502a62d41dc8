#!/usr/bin/env bash
# What extraction costs a busy production database. pgbench alternates busy and idle phases on a PostgreSQL server
# holding an AC43-like table, three ways taking turns every cycle: no extractor, a naive full-speed extractor, and the
# Exchange daemon with its load gate. Prints each way's busy-phase TPS, the ratios to the no-extractor run, and whether Exchange staged
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

# busy <label>: one busy phase of pgbench; appends its TPS to the label's total.
declare -A TOTAL=( [none]=0 [naive]=0 [exchange]=0 )
busy() {
  local tps
  tps=$(pgbench -c "$CLIENTS" -j 2 -T "$BUSY_SECONDS" prod 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1)
  printf '%s cycle %d busy_tps=%.0f\n' "$1" "$2" "$tps"
  TOTAL[$1]=$(calc "${TOTAL[$1]} + $tps")
}

# Exchange: the real daemon, SQLite staging, the active-backends probe on the source. It runs throughout, but the
# operator pause file keeps it from reading outside its own phases, so that the three ways take turns every cycle and
# a change in the machine's background load hits all three alike.
CONFIG="$WORK/exchange/config"
DATA="$WORK/exchange/data"
mkdir -p "$CONFIG" "$DATA"
touch "$DATA/pause"
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
  "Load": {"PauseFile": "pause", "Sources": {"prod": {
    "Probes": [{"Kind": "postgres.active_backends", "Busy": 2, "Idle": 1, "Critical": 60}],
    "SampleInterval": "00:00:00.250", "IdleSamplesToReopen": 3, "Hibernation": "00:05:00"}}}}
json.dump(schedule, open(config + "/schedule.json", "w"), indent=2)
PY
dotnet "$EXCHANGE_DLL" run --config "$CONFIG" > "$WORK/exchange.out" 2>&1 &
DAEMON=$!
BACKGROUND=$DAEMON
sleep 5 # started, paused

for cycle in $(seq "$CYCLES"); do
  busy none "$cycle"
  sleep "$IDLE_SECONDS"

  dotnet "$BENCH_DLL" naive "$SOURCE" "$(( BUSY_SECONDS + IDLE_SECONDS ))" >> "$WORK/naive.out" &
  NAIVE_PID=$!
  busy naive "$cycle"
  wait "$NAIVE_PID" 2>/dev/null || true

  rm -f "$DATA/pause"
  busy exchange "$cycle"
  sleep "$IDLE_SECONDS"
  touch "$DATA/pause"
done

NONE=$(calc "${TOTAL[none]} / $CYCLES")
NAIVE=$(calc "${TOTAL[naive]} / $CYCLES")
EXCHANGE=$(calc "${TOTAL[exchange]} / $CYCLES")
printf 'mean_busy_tps none=%.0f naive=%.0f exchange=%.0f\n' "$NONE" "$NAIVE" "$EXCHANGE"
STAGED=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select coalesce(sum(row_count),0) from batches where dataset='AC43'\").fetchone()[0])" "$DATA/staging.db")
kill -TERM "$DAEMON" 2>/dev/null || true
wait "$DAEMON" 2>/dev/null || true
BACKGROUND=""
echo "exchange staged_rows=$STAGED of $ROWS; gate transitions: $(grep -c 'Load gate of source prod' "$WORK/exchange.out" || true)"

FINISHED=false
[ "$STAGED" -ge "$ROWS" ] && FINISHED=true
printf 'production-impact exchange_tps_ratio=%.3f naive_tps_ratio=%.3f exchange_finished=%s\n' \
  "$(calc "$EXCHANGE / $NONE")" "$(calc "$NAIVE / $NONE")" "$FINISHED"
