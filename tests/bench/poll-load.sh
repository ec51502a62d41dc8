#!/usr/bin/env bash
# Load test of Poll and FetchBatch with authentication on (WS-Security UsernameToken, PasswordText), against the real
# daemon (Release build, SQLite staging store, audit on), and of a bare Kestrel endpoint in the same run as the ceiling.
# Bare and Poll run in alternating rounds (ROUNDS of DURATION each), so that a slow minute of the machine falls on both
# and not on one of them; the ratio is Poll's rate over all its rounds to bare's rate over all its rounds, and the p99 is
# the worst round's. Prints requests/s and p50/p99 per round and target; the last line is:
#   poll-load poll_rps_ratio=<poll rps / bare rps> poll_p99_ms=<ms> fetch_mb_s=<MB/s>
# Options (environment): CONNECTIONS (64), THREADS (2), ROUNDS (3), DURATION (5s per round and target; FetchBatch runs
# one round of twice that), BATCH_ROWS (2000 rows in the fetched batch), STAGING (sqlite, or postgres: a throwaway
# PostgreSQL server, where the limits are shared through the store), PERMITS_PER_SECOND (0: no per-principal rate limit;
# set it high, e.g. 1000000, to time the rate limit's check on every call without refusing any), STAGING_CS_EXTRA
# (appended to the PostgreSQL staging connection string, e.g. ";Maximum Pool Size=16").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-5s}"
batch_rows="${BATCH_ROWS:-2000}"
staging="${STAGING:-sqlite}"
permits="${PERMITS_PER_SECOND:-0}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "poll-load: installing wrk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

echo "poll-load: building (Release)"
dotnet build "$root/src/Exchange.Host" -c Release -nologo -v q >/dev/null
dotnet build "$here/BareKestrel" -c Release -nologo -v q >/dev/null
dll="$root/src/Exchange.Host/bin/Release/net10.0/exchange.dll"
bare="$here/BareKestrel/bin/Release/net10.0/BareKestrel.dll"

work="$(mktemp -d /tmp/exchange-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ "$staging" = postgres ]; then stop_pg; fi
  rm -rf "$work"
}
trap cleanup EXIT
staging_cs=""
if [ "$staging" = postgres ]; then
  source "$here/lib.sh"
  chmod 755 "$work"
  start_pg "$work/pg"
  createdb staging
  staging_cs="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=staging${STAGING_CS_EXTRA:-}"
fi
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'; }
wait_up() { for _ in $(seq 1 120); do curl -sS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.5; done; echo "poll-load: $1 did not come up"; exit 1; }

user=bench-insurer
password="bench-password-$RANDOM$RANDOM"
source_user=bench-source
hash="$(printf '%s\n' "$password" | dotnet "$dll" hash-password | tail -1)"
port="$(free_port)"
operator_port="$(free_port)"
mkdir -p "$work/config"
cp "$root/config/nlog.config" "$root/config/appsettings.json" "$work/config/"
echo '{ "Datasets": [] }' > "$work/config/schedule.json"
HASH="$hash" PORT="$port" OPERATOR_PORT="$operator_port" USER_NAME="$user" SOURCE_NAME="$source_user" STAGING_CS="$staging_cs" PERMITS="$permits" node -e '
  const fs = require("fs"); const f = process.argv[1]; const s = JSON.parse(fs.readFileSync(f, "utf8")); const e = process.env;
  s.Exchange.Web.Urls = `http://127.0.0.1:${e.PORT}`;
  if (s.Exchange.Operator) s.Exchange.Operator.Urls = `http://127.0.0.1:${e.OPERATOR_PORT}`;
  s.Exchange.Web.MaxRequestBodyBytes = 67108864;
  s.Exchange.Demo.Enabled = false;
  s.Exchange.Principals = [
    { Name: e.USER_NAME, Role: "insurer", PasswordHash: e.HASH, Datasets: ["BX01"], FunctionCodes: [], MinPollInterval: "00:00:00" },
    { Name: e.SOURCE_NAME, Role: "source", PasswordHash: e.HASH, Datasets: ["BX01"], FunctionCodes: [], MinPollInterval: "00:00:00" } ];
  s.Exchange.Security = { RateLimit: { PermitsPerSecond: Number(e.PERMITS), Burst: Math.max(40, Number(e.PERMITS)) } };
  if (e.STAGING_CS) s.Exchange.Staging = { Provider: "postgres", ConnectionString: e.STAGING_CS };
  fs.writeFileSync(f, JSON.stringify(s, null, 2));' "$work/config/appsettings.json"

(cd "$work" && exec dotnet "$dll" run --config "$work/config") >"$work/daemon.log" 2>&1 &
pids+=($!)
bare_port="$(free_port)"
ASPNETCORE_URLS="http://127.0.0.1:$bare_port" dotnet "$bare" >"$work/bare.log" 2>&1 &
pids+=($!)
service="http://127.0.0.1:$port/ExchangeService"
wait_up "$service?wsdl"
wait_up "http://127.0.0.1:$bare_port/ExchangeService"

security="<s:Header><wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\"><wsse:UsernameToken><wsse:Username>$user</wsse:Username><wsse:Password>$password</wsse:Password></wsse:UsernameToken></wsse:Security></s:Header>"
envelope() { printf '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:exchange:v1">%s<s:Body>%s</s:Body></s:Envelope>' "$1" "$2"; }

# One batch of BATCH_ROWS rows (jsonl+gzip) pushed by the source, so Poll lists it and FetchBatch returns it.
payload="$(node -e '
  const zlib = require("zlib"); const rows = [];
  for (let i = 0; i < Number(process.argv[1]); i++) rows.push(JSON.stringify({ AAC001: `P${i}`, AAC002: "110105194912310021", AAC003: "张三", AAE019: (i * 1.25).toFixed(2), AAE036: "2026-11-22T08:00:00+08:00" }));
  process.stdout.write(zlib.gzipSync(Buffer.from(rows.join("\n") + "\n")).toString("base64"));' "$batch_rows")"
source_security="${security//$user/$source_user}"
envelope "$source_security" "<x:PushBatch><x:Dataset>BX01</x:Dataset><x:BatchKey>bench-1</x:BatchKey><x:Format>jsonl+gzip</x:Format><x:Payload>$payload</x:Payload></x:PushBatch>" >"$work/push.xml"
batch_id="$(curl -fsS -H 'Content-Type: text/xml' --data-binary @"$work/push.xml" "$service" | sed -n 's:.*<BatchId>\([0-9]*\)</BatchId>.*:\1:p')"
[ -n "$batch_id" ] || { echo "poll-load: PushBatch failed"; tail -20 "$work/daemon.log"; exit 1; }

lua() { # $1 body file, $2 SOAPAction
  cat <<LUA
local f = io.open("$1", "rb"); wrk.body = f:read("*a"); f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = "\"$2\""
local failures = 0
response = function(status, headers, body) if status ~= 200 then failures = failures + 1 end end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f bytes=%d seconds=%.3f errors=%d non200=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.bytes, summary.duration / 1e6, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
LUA
}
envelope "$security" "<x:Poll><x:Dataset>BX01</x:Dataset></x:Poll>" >"$work/poll.xml"
envelope "$security" "<x:FetchBatch><x:BatchId>$batch_id</x:BatchId></x:FetchBatch>" >"$work/fetch.xml"
lua "$work/poll.xml" "urn:exchange:v1/Poll" >"$work/poll.lua"
lua "$work/fetch.xml" "urn:exchange:v1/FetchBatch" >"$work/fetch.lua"
curl -fsS -H 'Content-Type: text/xml' --data-binary @"$work/poll.xml" "$service" | grep -q "<BatchId>$batch_id</BatchId>" || { echo "poll-load: Poll does not list the batch"; exit 1; }

run() { # $1 name, $2 url, $3 lua, $4 duration
  wrk -t"$threads" -c"$connections" -d"$4" --latency -s "$3" "$2" >"$work/$1.out" 2>&1 || true
  local line; line="$(grep '^RESULT' "$work/$1.out" || true)"
  [ -n "$line" ] || { echo "poll-load: wrk failed for $1"; cat "$work/$1.out"; exit 1; }
  echo "$1: ${line#RESULT }" >&2
  printf '%s' "$line"
}
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" <<<"$1"; }
seconds_of() { local d="$1"; case "$d" in *m) echo $(( ${d%m} * 60 ));; *s) echo "${d%s}";; *) echo "$d";; esac; }

echo "poll-load: $staging staging, rate limit $permits/s, $connections connections, $threads threads, $rounds rounds of $duration per target, batch of $batch_rows rows; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run warmup "$service" "$work/poll.lua" 10s 2>/dev/null >/dev/null
run warmup-bare "http://127.0.0.1:$bare_port/ExchangeService" "$work/poll.lua" 5s 2>/dev/null >/dev/null
bare_requests=0; bare_seconds=0; poll_requests=0; poll_seconds=0; poll_p99=0; bad=""
for round in $(seq 1 "$rounds"); do
  b="$(run "bare-$round" "http://127.0.0.1:$bare_port/ExchangeService" "$work/poll.lua" "$duration")"
  p="$(run "poll-$round" "$service" "$work/poll.lua" "$duration")"
  bare_requests="$(awk -v a="$bare_requests" -v r="$(field "$b" rps)" -v s="$(field "$b" seconds)" 'BEGIN { printf "%.1f", a + r * s }')"
  bare_seconds="$(awk -v a="$bare_seconds" -v s="$(field "$b" seconds)" 'BEGIN { printf "%.3f", a + s }')"
  poll_requests="$(awk -v a="$poll_requests" -v r="$(field "$p" rps)" -v s="$(field "$p" seconds)" 'BEGIN { printf "%.1f", a + r * s }')"
  poll_seconds="$(awk -v a="$poll_seconds" -v s="$(field "$p" seconds)" 'BEGIN { printf "%.3f", a + s }')"
  poll_p99="$(awk -v a="$poll_p99" -v q="$(field "$p" p99_ms)" 'BEGIN { printf "%.3f", (q > a ? q : a) }')"
  if [ "$(field "$p" non200)" != "0" ] || [ "$(field "$p" errors)" != "0" ]; then bad="$bad $p"; fi
done
fetch_line="$(run fetch "$service" "$work/fetch.lua" "$(( $(seconds_of "$duration") * 2 ))s")"
if [ "$(field "$fetch_line" non200)" != "0" ] || [ "$(field "$fetch_line" errors)" != "0" ]; then bad="$bad $fetch_line"; fi
[ -z "$bad" ] || echo "poll-load: WARNING non-200 answers or socket errors:$bad"
bare_rps="$(awk -v n="$bare_requests" -v s="$bare_seconds" 'BEGIN { printf "%.1f", n / s }')"
poll_rps="$(awk -v n="$poll_requests" -v s="$poll_seconds" 'BEGIN { printf "%.1f", n / s }')"
echo "bare: rps=$bare_rps over $rounds rounds; poll: rps=$poll_rps over $rounds rounds, worst p99_ms=$poll_p99"
ratio="$(awk -v p="$poll_rps" -v b="$bare_rps" 'BEGIN { printf "%.3f", p / b }')"
fetch_mb="$(awk -v by="$(field "$fetch_line" bytes)" -v s="$(field "$fetch_line" seconds)" 'BEGIN { printf "%.1f", by / s / 1048576 }')"
echo "poll-load poll_rps_ratio=$ratio poll_p99_ms=$poll_p99 fetch_mb_s=$fetch_mb"
