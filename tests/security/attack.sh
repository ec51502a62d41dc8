#!/usr/bin/env bash
# The trust boundary tried as an attacker would, against the real daemon bound to every interface (0.0.0.0) over plain
# HTTP. Every request goes to 127.0.0.1; the daemon is configured to trust 127.0.0.1 as a forwarding proxy
# (Exchange:Web:TrustedProxies), so X-Forwarded-For makes each call come from one of 50 documentation addresses
# (198.51.100.1-50): no traffic leaves loopback.
#
#   1. clear-text credentials (HTTP Basic, PasswordText) with the right password from a non-loopback address;
#   2. a captured PasswordDigest token replayed as is and with its nonce re-encoded (space, line break, tab, CRLF,
#      other padding bits);
#   3. 3,000 unauthenticated calls whose body element is a made-up name in the contract namespace, /metrics before and after;
#   4. a burst of 5,000 credential-less calls from 50 source addresses.
#
# Last line: attack cleartext_refused=true|false digest_replays_accepted=N metric_series_growth=N audit_rows_from_strangers=N peak_rss_mb=N
# Targets: true, 0, 0, at most 50 stranger audit rows per calendar minute the run touched, peak RSS under 200 MB.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="$(mktemp -d /tmp/exchange-attack.XXXXXX)"
DAEMON_PID=""
cleanup() {
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "attack: building the daemon (Release)" >&2
(cd "$ROOT" && dotnet build -c Release -nologo -v q src/Exchange.Host/Exchange.Host.csproj >/dev/null) || { echo "build failed" >&2; exit 1; }
EXCHANGE_DLL="$ROOT/src/Exchange.Host/bin/Release/net10.0/exchange.dll"

PORT="$(free_port)"
OPERATOR_PORT="$(free_port)"
PASSWORD="attack-insurer-$RANDOM-$RANDOM-password"
export ATTACK_DIGEST_SECRET="attack-digest-secret-$RANDOM-$RANDOM"
hash() { printf '%s' "$1" | dotnet "$EXCHANGE_DLL" hash-password; }
INSURER_HASH="$(hash "$PASSWORD")"
DIGEST_HASH="$(hash "$ATTACK_DIGEST_SECRET")"

mkdir -p "$WORK/config" "$WORK/data" "$WORK/logs"
cp "$ROOT/config/nlog.config" "$WORK/config/nlog.config"
echo '{ "Datasets": [] }' > "$WORK/config/schedule.json"
cat > "$WORK/config/appsettings.json" <<JSON
{
  "Exchange": {
    "DataDirectory": "$WORK/data",
    "LogDirectory": "$WORK/logs",
    "Staging": { "Provider": "sqlite", "ConnectionString": "Data Source={data}/staging.db" },
    "Sources": {},
    "Web": { "Urls": "http://0.0.0.0:$PORT", "TrustedProxies": [ "127.0.0.1" ] },
    "Principals": [
      { "Name": "attack-insurer", "Role": "insurer", "PasswordHash": "$INSURER_HASH", "Datasets": [ "AT01" ], "MinPollInterval": "00:00:00" },
      { "Name": "attack-digest", "Role": "insurer", "PasswordHash": "$DIGEST_HASH", "Datasets": [ "AT01" ], "MinPollInterval": "00:00:00" }
    ],
    "Security": { "DigestSecrets": [ { "Principal": "attack-digest", "EnvironmentVariable": "ATTACK_DIGEST_SECRET" } ] },
    "Demo": { "Enabled": false },
    "Operator": { "Urls": "http://127.0.0.1:$OPERATOR_PORT" }
  }
}
JSON

echo "attack: starting the daemon on http://0.0.0.0:$PORT" >&2
dotnet "$EXCHANGE_DLL" run --config "$WORK/config" > "$WORK/daemon.out" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 1 120); do
  grep -q "WSDL at" "$WORK/daemon.out" 2>/dev/null && break
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.out" >&2; echo "the daemon exited" >&2; exit 1; }
  sleep 0.5
done
grep -q "WSDL at" "$WORK/daemon.out" || { cat "$WORK/daemon.out" >&2; echo "the daemon did not start" >&2; exit 1; }

python3 - "$PORT" "$OPERATOR_PORT" "$PASSWORD" "$DAEMON_PID" "$WORK/data/staging.db" <<'PY'
import base64, hashlib, http.client, os, sqlite3, sys, threading, time
from datetime import datetime, timezone

port, operator_port, password, pid, staging = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
secret = os.environ["ATTACK_DIGEST_SECRET"]
ADDRESSES = [f"198.51.100.{i}" for i in range(1, 51)]
started = time.time()

def envelope(body, header=""):
    return (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:exchange:v1">'
            f'<s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>').encode()

def post(conn, data, forwarded_for, extra=None):
    headers = {"Content-Type": "text/xml; charset=utf-8", "X-Forwarded-For": forwarded_for}
    headers.update(extra or {})
    conn.request("POST", "/ExchangeService", body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read().decode("utf-8", "replace")

def connection():
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)

def code_of(text):
    start = text.find("<Code>")
    return text[start + 6:text.find("</Code>", start)] if start >= 0 else "ok"

def series(text):
    return {line.rsplit(" ", 1)[0] for line in text.splitlines() if line and not line.startswith("#")}

def metrics():
    conn = http.client.HTTPConnection("127.0.0.1", operator_port, timeout=30)
    conn.request("GET", "/metrics")
    return conn.getresponse().read().decode()

conn = connection()

# 1. Clear-text credentials with the right password, from a non-loopback address over plain HTTP.
basic = "Basic " + base64.b64encode(f"attack-insurer:{password}".encode()).decode()
status_basic, text_basic = post(conn, envelope('<x:Poll/>'), ADDRESSES[1], {"Authorization": basic})
token = ('<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">'
         f'<wsse:UsernameToken><wsse:Username>attack-insurer</wsse:Username><wsse:Password>{password}</wsse:Password>'
         '</wsse:UsernameToken></wsse:Security>')
status_text, text_text = post(conn, envelope('<x:Poll/>', token), ADDRESSES[1])
cleartext_refused = all(code_of(t) == "AuthFailed" and "HTTPS" in t for t in (text_basic, text_text))
print(f"attack: clear text: Basic HTTP {status_basic} {code_of(text_basic)}, PasswordText HTTP {status_text} {code_of(text_text)}", file=sys.stderr)

# 2. A captured digest token, replayed as is and re-encoded.
nonce = os.urandom(15) + b"\x41"
created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + secret.encode()).digest()).decode()
text_nonce = base64.b64encode(nonce).decode()
def digest_token(nonce_text):
    return ('<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" '
            'xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><wsse:UsernameToken>'
            '<wsse:Username>attack-digest</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/'
            f'oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{digest}</wsse:Password><wsse:Nonce>{nonce_text}</wsse:Nonce>'
            f'<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>')
status_first, _ = post(conn, envelope('<x:Poll/>', digest_token(text_nonce)), ADDRESSES[2])
assert status_first == 200, f"the captured token itself was refused: HTTP {status_first}"
padding = text_nonce[:-3] + chr(ord(text_nonce[-3]) + 1) + "=="
assert base64.b64decode(padding) == nonce
variants = [text_nonce, text_nonce[:8] + " " + text_nonce[8:], text_nonce[:12] + "\n" + text_nonce[12:],
            "\t" + text_nonce[:4] + "&#13;\n" + text_nonce[4:], padding]
replays_accepted = 0
for variant in variants:
    status, _ = post(conn, envelope('<x:Poll/>', digest_token(variant)), ADDRESSES[2])
    replays_accepted += status == 200
print(f"attack: digest: first use HTTP {status_first}; {replays_accepted} of {len(variants)} replays accepted", file=sys.stderr)

# 3. Made-up operation names from strangers, /metrics before and after (after 10 to warm up the 'other' series).
for i in range(10):
    post(conn, envelope(f'<x:Warmup{i}/>'), ADDRESSES[0])
before = series(metrics())
def junk(worker, count, offset):
    c = connection()
    for i in range(count):
        post(c, envelope(f'<x:MadeUp{offset + i:05d}Op/>'), ADDRESSES[(offset + i) % 50])
threads = [threading.Thread(target=junk, args=(w, 375, w * 375)) for w in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
after = series(metrics())
growth = len(after - before)
print(f"attack: /metrics: {len(before)} series before, {len(after)} after 3,000 made-up names; new: {sorted(after - before)[:5]}", file=sys.stderr)

# 4. A burst of 5,000 credential-less calls from 50 addresses.
statuses = {}
lock = threading.Lock()
def burst(worker):
    c = connection()
    for i in range(625):
        address = ADDRESSES[(worker * 625 + i) % 50]
        status, _ = post(c, envelope('<x:Poll/>'), address)
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
t0 = time.time()
threads = [threading.Thread(target=burst, args=(w,)) for w in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"attack: burst: 5,000 calls in {time.time() - t0:.1f} s, HTTP statuses {dict(sorted(statuses.items()))}", file=sys.stderr)

finished = time.time()
db = sqlite3.connect(f"file:{staging}?mode=ro", uri=True)
rows, calls = db.execute("SELECT COUNT(*), COALESCE(SUM(calls), 0) FROM audit_log WHERE principal = '(anonymous)'").fetchone()
minutes = int(finished // 60) - int(started // 60) + 1
print(f"attack: audit: {rows} stranger rows over {minutes} calendar minute(s) (target at most {50 * minutes}); "
      f"they count {calls} calls so far (the counts of the current minute are set when it ends)", file=sys.stderr)

with open(f"/proc/{pid}/status") as f:
    hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(f"attack cleartext_refused={'true' if cleartext_refused else 'false'} digest_replays_accepted={replays_accepted} "
      f"metric_series_growth={growth} audit_rows_from_strangers={rows} peak_rss_mb={hwm // 1024}")
PY
