#!/usr/bin/env bash
# Submit-to-answer latency of request/response pairing against the real daemon on the demo configuration, with an
# idle source (the demo inserter off) and the given worker interval.
#   tests/bench/request-latency.sh [interval_seconds=1] [requests=60]
# Each request: SubmitRequest (1101, a demo person), then GetResponse every 10 ms until it is final; the latency is
# from sending SubmitRequest to the first GetResponse that returns Completed. Submissions are spread at random over
# the interval so they do not line up with the worker's trigger. Last line:
#   request-latency p50_ms=… p99_ms=… interval_s=…
set -euo pipefail
cd "$(dirname "$0")/../.."
interval="${1:-1}"
requests="${2:-60}"

dotnet build src/Exchange.Host -c Release -nologo -v q >/dev/null
exe="src/Exchange.Host/bin/Release/net10.0/exchange.dll"
work="$(mktemp -d /tmp/exchange-bench-XXXXXX)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cp -r config "$work/config"
python3 - "$work/config" "$port" "$interval" <<'PY'
import json, sys
folder, port, interval = sys.argv[1], sys.argv[2], float(sys.argv[3])
app = json.load(open(f"{folder}/appsettings.json"))
app["Exchange"]["Web"]["Urls"] = f"http://127.0.0.1:{port}"
app["Exchange"]["Demo"]["InsertInterval"] = "00:00:00"          # idle source: nothing but the requests reads it
# GetResponse is polled every 10 ms: the per-principal rate limit (20 calls/s by default) would answer 429 and
# measure the limiter, not the pairing.
app["Exchange"].setdefault("Security", {}).setdefault("RateLimit", {})["PermitsPerSecond"] = 0
json.dump(app, open(f"{folder}/appsettings.json", "w"))
schedule = json.load(open(f"{folder}/schedule.json"))
h, rem = divmod(interval, 3600); m, s = divmod(rem, 60)
schedule["RequestTypes"]["WorkerInterval"] = f"{int(h):02d}:{int(m):02d}:{s:06.3f}"
for d in schedule["Datasets"]:
    d["Cron"] = "0 0 0 1 1 ? 2099"                              # no extraction during the measurement
json.dump(schedule, open(f"{folder}/schedule.json", "w"))
PY

dotnet "$exe" run --config "$work/config" >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do grep -q "WSDL at" "$work/daemon.log" && break; sleep 0.5; done
grep -q "WSDL at" "$work/daemon.log" || { echo "daemon did not start:"; cat "$work/daemon.log"; exit 1; }

python3 - "$port" "$requests" "$interval" <<'PY'
import base64, random, re, sys, time, urllib.request
port, n, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
url = f"http://127.0.0.1:{port}/ExchangeService"
auth = "Basic " + base64.b64encode(b"demo-insurer:demo-insurer-password").decode()
def call(op, body):
    env = f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><{op} xmlns="urn:exchange:v1">{body}</{op}></s:Body></s:Envelope>'
    req = urllib.request.Request(url, env.encode(), {"Content-Type": "text/xml", "SOAPAction": f'"urn:exchange:v1/{op}"', "Authorization": auth})
    with urllib.request.urlopen(req) as r:
        return r.read().decode()
person = "44030519590706679X"
latencies = []
run = f"{time.time():.0f}"
for i in range(n):
    time.sleep(random.uniform(0, interval))
    msg = f"bench-{run}-{i}"
    t0 = time.perf_counter()
    call("SubmitRequest", f'<MsgId>{msg}</MsgId><InfNo>1101</InfNo><Input>{{"idNumber":"{person}"}}</Input>')
    while True:
        status = re.search(r"<Status>(\w+)</Status>", call("GetResponse", f"<MsgId>{msg}</MsgId>")).group(1)
        if status in ("Completed", "Failed", "Expired"):
            break
        time.sleep(0.01)
    if status != "Completed":
        sys.exit(f"request {msg} ended {status}")
    latencies.append((time.perf_counter() - t0) * 1000)
latencies.sort()
def pct(p):
    return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]
print(f"requests={n} min_ms={latencies[0]:.0f} max_ms={latencies[-1]:.0f}")
print(f"request-latency p50_ms={pct(50):.0f} p99_ms={pct(99):.0f} interval_s={interval:g}")
PY
