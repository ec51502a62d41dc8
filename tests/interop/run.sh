#!/usr/bin/env bash
# Interop test: starts the real daemon on a free port with a temporary config (copied from config/), then runs
# interop.js (npm "soap" client) against the served WSDL over SOAP 1.1 and 1.2. Exits non-zero on any mismatch.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dll="$root/src/Exchange.Host/bin/Debug/net10.0/exchange.dll"

if [ ! -f "$dll" ]; then
  echo "interop: building the host"
  dotnet build "$root/src/Exchange.Host" -c Debug -nologo -v q >/dev/null
fi

if [ ! -d "$here/node_modules/soap" ]; then
  echo "interop: npm ci (soap)"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

work="$(mktemp -d /tmp/exchange-interop.XXXXXX)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ "${KEEP_INTEROP:-0}" = "1" ]; then echo "interop: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir -p "$work/config"
cp "$root/config/nlog.config" "$root/config/appsettings.json" "$root/config/schedule.json" "$work/config/"
# A port below the kernel's ephemeral range (where outgoing connections take their local ports), checked free by binding.
free_port() { node -e '
  const net = require("net");
  const tryPort = () => { const p = 20000 + Math.floor(Math.random() * 12000); const s = net.createServer();
    s.once("error", tryPort); s.listen(p, "127.0.0.1", () => { console.log(p); s.close(); }); };
  tryPort();'; }
port="$(free_port)"
operator_port="$(free_port)"

export INTEROP_INSURER=interop-insurer INTEROP_INSURER_PASSWORD="insurer-$RANDOM-口令"
export INTEROP_PACED_INSURER=interop-paced INTEROP_PACED_PASSWORD="paced-password-$RANDOM"
export INTEROP_DIGEST_INSURER=interop-digest INTEROP_DIGEST_SECRET="digest-secret-$RANDOM-$RANDOM"
export INTEROP_SOURCE=interop-source INTEROP_SOURCE_PASSWORD="source-password-$RANDOM"
export INTEROP_DATASET=PX01
hash() {
  local h
  h="$(printf '%s\n' "$1" | dotnet "$dll" hash-password | tail -1)"
  case "$h" in pbkdf2-sha256\$*) printf '%s' "$h" ;; *) echo "interop: hash-password failed: $h" >&2; exit 1 ;; esac
}

# The shipped configuration (demo source and request types) with: a free port, a free operator port, and the interop
# principals (the digest secret comes from an environment variable, as production would do it).
INSURER_HASH="$(hash "$INTEROP_INSURER_PASSWORD")" PACED_HASH="$(hash "$INTEROP_PACED_PASSWORD")" \
DIGEST_HASH="$(hash "$INTEROP_DIGEST_SECRET")" SOURCE_HASH="$(hash "$INTEROP_SOURCE_PASSWORD")" \
PORT="$port" OPERATOR_PORT="$operator_port" node -e '
  const fs = require("fs");
  const file = process.argv[1];
  const settings = JSON.parse(fs.readFileSync(file, "utf8"));
  const x = settings.Exchange;
  const e = process.env;
  x.Web.Urls = `http://127.0.0.1:${e.PORT}`;
  if (x.Operator) x.Operator.Urls = `http://127.0.0.1:${e.OPERATOR_PORT}`;
  const insurer = (name, hash, interval) => ({ Name: name, Role: "insurer", PasswordHash: hash, Datasets: [e.INTEROP_DATASET], FunctionCodes: ["1101"], MinPollInterval: interval });
  x.Principals = [
    insurer(e.INTEROP_INSURER, e.INSURER_HASH, "00:00:00"),
    insurer(e.INTEROP_PACED_INSURER + "-11", e.PACED_HASH, "00:00:30"),
    insurer(e.INTEROP_PACED_INSURER + "-12", e.PACED_HASH, "00:00:30"),
    insurer(e.INTEROP_DIGEST_INSURER, e.DIGEST_HASH, "00:00:00"),
    { Name: e.INTEROP_SOURCE, Role: "source", PasswordHash: e.SOURCE_HASH, Datasets: [e.INTEROP_DATASET], FunctionCodes: ["1101"], MinPollInterval: "00:00:00" },
  ];
  x.Security = { DigestSecrets: [{ Principal: e.INTEROP_DIGEST_INSURER, EnvironmentVariable: "INTEROP_DIGEST_SECRET" }] };
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
' "$work/config/appsettings.json"

echo "interop: starting the daemon on 127.0.0.1:$port"
(cd "$work" && exec dotnet "$dll" run --config "$work/config") >"$work/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/ExchangeService?wsdl" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "interop: the daemon exited:"; cat "$work/daemon.log"; exit 1; fi
  sleep 0.5
done

status=0
node "$here/interop.js" "http://127.0.0.1:$port/ExchangeService" || status=$?

# The audit file must show the calls, refusals included, with no identity number in clear.
audit="$work/logs/audit.log"
if [ ! -s "$audit" ] || ! grep -q "operation=PushBatch principal=$INTEROP_SOURCE" "$audit" || ! grep -q "outcome=AuthFailed" "$audit"; then
  echo "interop: FAIL audit.log lacks the calls ($audit)"; status=1
else
  echo "interop: audit.log has $(wc -l <"$audit") lines"
fi

if [ "$status" -ne 0 ]; then
  echo "interop: daemon log tail:"; tail -30 "$work/daemon.log"
fi
exit "$status"
