#!/usr/bin/env bash
# Fail-over acceptance run: three daemon nodes (Release build) share one PostgreSQL staging store and clustered Quartz
# while a writer keeps adding rows to the source table and an insurer client polls, fetches, acknowledges and submits
# requests round-robin across the nodes. For KILLS rounds a random node is killed with -9 and restarted a few seconds
# later. At the end the writer stops, the last rows are staged, and the run is checked:
#   rows, duplicates, missing        every source row staged exactly once (staged batches against the source table)
#   read_amplification               the source table's tuples read (pg_stat_user_tables seq_tup_read + idx_tup_fetch,
#                                    reset at the start) / rows; target <= 1.10
#   max_takeover_s                   the longest time from a kill to the next batch staged by another node; target <= 15
#   requests, answered_twice, unanswered
#                                    every accepted request has exactly one answer, the same on every node
# Last line (a contract):
#   failover kills=20 rows=<N> duplicates=0 missing=0 read_amplification=<x.xx> max_takeover_s=<s> requests=<n> answered_twice=0 unanswered=0
# Exits non-zero when a check fails. Runs about 6 minutes (a round lasts ROUND_SECONDS or until the restarted node is
# ready, whichever is longer). Options (environment): KILLS (20), ROUND_SECONDS (12: from one kill to the next),
# DOWN_SECONDS (3: from a kill to the restart), WRITER_TPS (10 transactions of ROWS_PER_TX (50) rows a second).
set -euo pipefail
KILLS="${KILLS:-20}"
ROUND_SECONDS="${ROUND_SECONDS:-12}"
DOWN_SECONDS="${DOWN_SECONDS:-3}"
WRITER_TPS="${WRITER_TPS:-10}"
ROWS_PER_TX="${ROWS_PER_TX:-50}"
NODES=3
source "$(dirname "$0")/../bench/lib.sh"
STARTED=$(date +%s)
WORK="$(mktemp -d /tmp/exchange-failover.XXXXXX)"
chmod 755 "$WORK"
declare -a NODE_PID=()
WRITER=""
CLIENT=""
cleanup() {
  for pid in "${NODE_PID[@]}" $WRITER $CLIENT; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_pg
  if [ -n "${KEEP_WORK:-}" ]; then echo "work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() { echo "failover: $*" >&2; exit 1; }

echo "failover: building (Release)"
(cd "$BENCH_ROOT" && dotnet build -c Release -nologo -v q src/Exchange.Host/Exchange.Host.csproj >/dev/null) || fail "build failed"
EXCHANGE_DLL="$BENCH_ROOT/src/Exchange.Host/bin/Release/net10.0/exchange.dll"

start_pg "$WORK/pg"
createdb prod
createdb staging
# The source: an AC43-like table the writer appends to (each transaction stamps its rows with its start time, in the
# source's +08:00 local time), and a person table that the request type reads.
psql -q -v ON_ERROR_STOP=1 -d prod <<'SQL'
CREATE TABLE ac43 (aaz223 bigserial PRIMARY KEY, aac001 bigint NOT NULL, aae022 numeric(14,2) NOT NULL, aae036 timestamp without time zone NOT NULL);
CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
CREATE TABLE ac01 (aac001 bigint PRIMARY KEY, aac003 text NOT NULL);
INSERT INTO ac01 SELECT g, 'person ' || g FROM generate_series(1, 1000) AS g;
SQL
cat > "$WORK/writer.sql" <<SQL
INSERT INTO ac43 (aac001, aae022, aae036)
SELECT 1 + (random() * 999)::int, round((random() * 1000)::numeric, 2), now() AT TIME ZONE 'Asia/Shanghai' FROM generate_series(1, $ROWS_PER_TX);
SQL

SOURCE="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=prod"
PASSWORD="failover-$RANDOM$RANDOM"
HASH="$(printf '%s\n' "$PASSWORD" | dotnet "$EXCHANGE_DLL" hash-password | tail -1)"
declare -a WEB_PORT=() OPERATOR_PORT=()
for i in $(seq 1 $NODES); do
  WEB_PORT[$i]=$(free_port)
  OPERATOR_PORT[$i]=$(free_port)
  mkdir -p "$WORK/node$i/config"
  cp "$BENCH_ROOT/config/nlog.config" "$WORK/node$i/config/"
  # Each node names its staging sessions after itself: a trigger (below) records which node staged each batch.
  python3 - "$BENCH_ROOT/config" "$WORK/node$i" "node$i" "${WEB_PORT[$i]}" "${OPERATOR_PORT[$i]}" "$SOURCE" \
    "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=staging;Application Name=node$i" "$HASH" <<'PY'
import json, sys
shipped, root, node, port, operator_port, source, staging, password_hash = sys.argv[1:]
app = json.load(open(shipped + "/appsettings.json"))
x = app["Exchange"]
x["NodeName"] = node
x["DataDirectory"] = root + "/data"
x["LogDirectory"] = root + "/logs"
x["Staging"] = {"Provider": "postgres", "ConnectionString": staging}
x["Sources"] = {"prod": {"Provider": "postgres", "ConnectionString": source, "TimeZoneOffset": "08:00:00"}}
x["Demo"]["Enabled"] = False
x["Web"]["Urls"] = "http://127.0.0.1:" + port
x["Operator"]["Urls"] = "http://127.0.0.1:" + operator_port
x["Principals"] = [{"Name": "insurer", "Role": "insurer", "PasswordHash": password_hash, "Datasets": ["AC43"],
                    "FunctionCodes": ["9001"], "MinPollInterval": "00:00:00"}]
x["Security"] = {"RateLimit": {"PermitsPerSecond": 0}}
json.dump(app, open(root + "/config/appsettings.json", "w"), indent=2)
schedule = {
  "Datasets": [{"Name": "AC43", "Source": "prod", "Cron": "0/1 * * * * ?", "Table": "ac43", "TimestampColumn": "aae036",
                "KeyColumn": "aaz223", "ChunkRows": 1000, "TargetChunkTime": "00:00:00.250", "MaxChunkRows": 20000,
                "SafetyLag": "00:00:01"}],
  "Load": {"Sources": {"prod": {
    "Probes": [{"Kind": "postgres.active_backends", "Busy": 40, "Idle": 30}],
    "SampleInterval": "00:00:00.200", "IdleSamplesToReopen": 2}}},
  "RequestTypes": {"WorkerInterval": "00:00:01", "LeaseTime": "00:00:10", "MaxAttempts": 5, "GateMode": "Idle", "Types": [
    {"InfNo": "9001", "Description": "A person by number", "Mode": "Query", "Source": "prod",
     "Query": "SELECT aac001, aac003 FROM ac01 WHERE aac001 = @person", "Parameters": [{"Name": "person", "Type": "Integer"}],
     "MaxRows": 10, "Timeout": "00:00:05", "Expiry": "00:30:00"}]}}
json.dump(schedule, open(root + "/config/schedule.json", "w"), indent=2)
PY
done

dotnet "$EXCHANGE_DLL" migrate --config "$WORK/node1/config" > "$WORK/migrate.out" 2>&1 || { cat "$WORK/migrate.out"; fail "migrate failed"; }
psql -q -v ON_ERROR_STOP=1 -d staging <<'SQL'
CREATE TABLE failover_staged_by (batch_id bigint PRIMARY KEY, node text NOT NULL, at timestamptz NOT NULL);
CREATE FUNCTION failover_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO failover_staged_by VALUES (NEW.batch_id, current_setting('application_name'), clock_timestamp()); RETURN NEW; END $$;
CREATE TRIGGER failover_note AFTER INSERT ON batches FOR EACH ROW EXECUTE FUNCTION failover_note();
SQL
psql -Atq -d prod -c "SELECT pg_stat_reset_single_table_counters('ac43'::regclass)" >/dev/null

start_node() { dotnet "$EXCHANGE_DLL" run --config "$WORK/node$1/config" >> "$WORK/node$1.out" 2>&1 & NODE_PID[$1]=$!; }
wait_ready() {
  for _ in $(seq 1 240); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${OPERATOR_PORT[$1]}/readyz" || true)" = 200 ] && return 0
    kill -0 "${NODE_PID[$1]}" 2>/dev/null || { tail -30 "$WORK/node$1.out" >&2; fail "node$1 exited"; }
    sleep 0.25
  done
  tail -30 "$WORK/node$1.out" >&2; fail "node$1 not ready within 60 s"
}
for i in $(seq 1 $NODES); do start_node "$i"; done
for i in $(seq 1 $NODES); do wait_ready "$i"; done
echo "failover: $NODES nodes ready"

pgbench -n -c 1 -R "$WRITER_TPS" -T 100000 -f "$WORK/writer.sql" prod > "$WORK/writer.out" 2>&1 &
WRITER=$!

URLS=""
for i in $(seq 1 $NODES); do URLS="$URLS http://127.0.0.1:${WEB_PORT[$i]}/ExchangeService"; done
python3 - "$WORK" "$PASSWORD" $URLS > "$WORK/client.out" 2>&1 <<'PY' &
# The insurer: round-robin over the nodes; every call that fails on a dead node is retried on the next one.
import base64, gzip, json, os, random, re, sys, time, urllib.error, urllib.request
work, password, urls = sys.argv[1], sys.argv[2], sys.argv[3:]
auth = "Basic " + base64.b64encode(f"insurer:{password}".encode()).decode()
turn = 0
def call(op, body):
    global turn
    for _ in range(len(urls) * 20):
        url = urls[turn % len(urls)]
        turn += 1
        env = f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><{op} xmlns="urn:exchange:v1">{body}</{op}></s:Body></s:Envelope>'
        req = urllib.request.Request(url, env.encode(), {"Content-Type": "text/xml", "SOAPAction": f'"urn:exchange:v1/{op}"', "Authorization": auth})
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            code = re.search(r"<(?:\w+:)?Code>(\w+)</", text)
            if code and code.group(1) in ("PollTooSoon", "Unavailable"):
                time.sleep(0.2)
                continue
            raise RuntimeError(f"{op} on {url}: HTTP {e.code}: {text[:300]}")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.1)  # a node being killed or restarted: the next one
    raise RuntimeError(f"{op}: no node answered")
def tag(xml, name):
    return re.findall(rf"<(?:\w+:)?{name}>([^<]*)</(?:\w+:)?{name}>", xml)
fetched = {}        # batch id -> keys
acked = 0
submitted = {}      # msg id -> ref msg id
inputs = {}         # msg id -> input
answers = {}        # msg id -> set of (status, ref, output, responded at)
n = 0
def get_response(msg):
    xml = call("GetResponse", f"<MsgId>{msg}</MsgId>")
    status = tag(xml, "Status")[0]
    if status in ("Completed", "Failed", "Expired"):
        answers.setdefault(msg, set()).add((status, tag(xml, "RefMsgId")[0], "".join(tag(xml, "Output")), "".join(tag(xml, "RespondedAt"))))
def poll_once():
    global acked
    xml = call("Poll", "<Dataset>AC43</Dataset><MaxBatches>50</MaxBatches>")
    for batch_id, seq in zip(tag(xml, "BatchId"), tag(xml, "Seq")):
        if batch_id not in fetched:
            payload = tag(call("FetchBatch", f"<BatchId>{batch_id}</BatchId>"), "Payload")[0]
            lines = gzip.decompress(base64.b64decode(payload)).decode().splitlines()
            fetched[batch_id] = [json.loads(l)["aaz223"] for l in lines if l]
        acked = max(acked, int(seq))
    if acked:
        call("Ack", f"<Dataset>AC43</Dataset><Seq>{acked}</Seq>")
    for msg in tag(xml, "MsgId"):
        if msg in submitted:
            get_response(msg)
while not os.path.exists(f"{work}/client.stop"):
    poll_once()
    n += 1
    msg = f"fo-{n}"
    inputs[msg] = f'{{"person":{random.randint(1, 1000)}}}'
    xml = call("SubmitRequest", f'<MsgId>{msg}</MsgId><InfNo>9001</InfNo><Input>{inputs[msg]}</Input>')
    submitted[msg] = tag(xml, "RefMsgId")[0]
    if n % 5 == 0:  # now and then the same request again, on another node: the original request, never a second one
        again = random.choice(list(submitted))
        ref = tag(call("SubmitRequest", f'<MsgId>{again}</MsgId><InfNo>9001</InfNo><Input>{inputs[again]}</Input>'), "RefMsgId")
        if not ref or ref[0] != submitted[again]:
            answers.setdefault(again, set()).add(("Resubmitted", ref[0] if ref else "", "", ""))
    time.sleep(0.3)
# Drain: every request answered, every batch fetched and acknowledged.
deadline = time.time() + 90
while time.time() < deadline:
    poll_once()
    for msg in [m for m in submitted if m not in answers]:
        get_response(msg)
    if all(m in answers for m in submitted) and os.path.exists(f"{work}/client.drained"):
        break
    time.sleep(0.5)
for msg in list(submitted)[:50]:  # the same answer on every node
    for _ in urls:
        get_response(msg)
keys = [k for ks in fetched.values() for k in ks]
json.dump({"batches": len(fetched), "keys": len(keys), "distinct": len(set(keys)), "acked": acked, "requests": len(submitted),
           "answered_twice": sum(1 for m in submitted if len(answers.get(m, ())) > 1),
           "unanswered": sum(1 for m in submitted if not any(a[0] == "Completed" for a in answers.get(m, ())))},
          open(f"{work}/client.json", "w"))
PY
CLIENT=$!

# The kills.
: > "$WORK/kills"
for round in $(seq 1 "$KILLS"); do
  victim=$(( (RANDOM % NODES) + 1 ))
  killed_at=$(date +%s.%N)
  kill -KILL "${NODE_PID[$victim]}"
  echo "node$victim $killed_at" >> "$WORK/kills"
  wait "${NODE_PID[$victim]}" 2>/dev/null || true
  kill -0 "$CLIENT" 2>/dev/null || { cat "$WORK/client.out" >&2; fail "the client stopped"; }
  sleep "$DOWN_SECONDS"
  start_node "$victim"
  wait_ready "$victim"
  ready=$(calc "round($(date +%s.%N) - $killed_at, 1)")
  echo "failover: round $round: node$victim killed, back and ready after ${ready} s"
  rest=$(calc "max(0, $ROUND_SECONDS - ($(date +%s.%N) - $killed_at))")
  sleep "$rest"
done

# The end: once another node has staged a batch after each kill (or 30 s have passed), the writer stops, the last rows
# are staged, the client drains.
KILL_VALUES=$(awk '{printf "%s(%s, to_timestamp(%s))", (NR>1?",":""), "'"'"'" $1 "'"'"'", $2}' "$WORK/kills")
untaken() { psql -Atq -d staging -c "SELECT count(*) FROM (VALUES $KILL_VALUES) AS k(node, at) WHERE NOT EXISTS (SELECT 1 FROM failover_staged_by s WHERE s.node <> k.node AND s.at > k.at)"; }
for _ in $(seq 1 60); do [ "$(untaken)" = 0 ] && break; sleep 0.5; done
kill -TERM "$WRITER"; wait "$WRITER" 2>/dev/null || true; WRITER=""
# This session's own reads of ac43 are measured in its transaction and left out of the extraction's.
read -r ROWS OWN_READS <<<"$(psql -Atq -F ' ' -d prod <<'SQL' | tail -1
BEGIN;
CREATE TEMP TABLE n AS SELECT count(*) AS rows FROM ac43;
SELECT (SELECT rows FROM n), seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables WHERE relname = 'ac43';
COMMIT;
SQL
)"
for _ in $(seq 1 120); do
  STAGED=$(psql -Atq -d staging -c "SELECT COALESCE(SUM(row_count), 0) FROM batches WHERE dataset = 'AC43'")
  [ "$STAGED" -ge "$ROWS" ] && break
  sleep 1
done
touch "$WORK/client.drained" "$WORK/client.stop"
wait "$CLIENT" || { cat "$WORK/client.out" >&2; fail "the client failed"; }
CLIENT=""
for i in $(seq 1 $NODES); do kill -TERM "${NODE_PID[$i]}" 2>/dev/null || true; done
for i in $(seq 1 $NODES); do wait "${NODE_PID[$i]}" 2>/dev/null || true; done
NODE_PID=()
sleep 1 # the stopped sessions' statistics reach pg_stat

READS=$(psql -Atq -d prod -c "SELECT seq_tup_read + COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = 'ac43'")
psql -Atq -d prod -c "SELECT aaz223 FROM ac43" > "$WORK/source.keys"
psql -Atq -d staging -c "SELECT encode(payload, 'hex') FROM batches WHERE dataset = 'AC43' ORDER BY seq" > "$WORK/staged.hex"
TAKEOVER=$(psql -Atq -d staging -c "SELECT COALESCE(max(t), -1) FROM (SELECT (SELECT EXTRACT(EPOCH FROM min(s.at) - k.at) FROM failover_staged_by s WHERE s.node <> k.node AND s.at > k.at) AS t FROM (VALUES $KILL_VALUES) AS k(node, at)) AS takeovers")
UNTAKEN=$(untaken)
echo "failover: seconds from each kill to the next batch staged by another node: $(psql -Atq -d staging -c "SELECT string_agg(k.node || '=' || COALESCE(round((SELECT EXTRACT(EPOCH FROM min(s.at) - k.at) FROM failover_staged_by s WHERE s.node <> k.node AND s.at > k.at), 1)::text, 'never'), ' ' ORDER BY k.at) FROM (VALUES $KILL_VALUES) AS k(node, at)")"
echo "failover: batches staged per node: $(psql -Atq -d staging -c "SELECT string_agg(node || '=' || n, ' ' ORDER BY node) FROM (SELECT node, count(*) AS n FROM failover_staged_by GROUP BY node) AS c")"

python3 - "$WORK" "$ROWS" "$(( READS - OWN_READS ))" "$TAKEOVER" "$UNTAKEN" "$KILLS" "$(( $(date +%s) - STARTED ))" <<'PY'
import gzip, json, sys
from collections import Counter
work, rows, reads, takeover, untaken, kills, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
source = set(int(l) for l in open(f"{work}/source.keys") if l.strip())
staged = Counter()
for value in open(f"{work}/staged.hex").read().split():
    for line in gzip.decompress(bytes.fromhex(value)).decode().splitlines():
        if line:
            staged[json.loads(line)["aaz223"]] += 1
duplicates = sum(c - 1 for c in staged.values())
missing = len(source - set(staged))
client = json.load(open(f"{work}/client.json"))
amplification = reads / rows if rows else float("nan")
print(f"failover: source rows={len(source)} staged rows={sum(staged.values())} tuples read={reads}; client fetched {client['batches']} batches, "
      f"{client['keys']} rows ({client['distinct']} distinct), acked seq {client['acked']}; kills without a takeover: {untaken}; ran {seconds} s")
problems = []
if len(source) != rows: problems.append(f"source rows changed after the writer stopped: {rows} then {len(source)}")
if duplicates or missing: problems.append(f"duplicates={duplicates} missing={missing}")
if client["distinct"] != len(source): problems.append(f"the client fetched {client['distinct']} distinct rows of {len(source)}")
if client["answered_twice"] or client["unanswered"]: problems.append(f"answered_twice={client['answered_twice']} unanswered={client['unanswered']}")
if amplification > 1.10: problems.append(f"read_amplification {amplification:.2f} > 1.10")
if untaken or takeover > 15: problems.append(f"max_takeover_s {takeover:.1f} > 15 or {untaken} kills never taken over")
for p in problems:
    print("failover: FAILED: " + p)
print(f"failover kills={kills} rows={len(source)} duplicates={duplicates} missing={missing} read_amplification={amplification:.2f} "
      f"max_takeover_s={takeover:.1f} requests={client['requests']} answered_twice={client['answered_twice']} unanswered={client['unanswered']}")
sys.exit(1 if problems else 0)
PY
