#!/usr/bin/env bash
# The SOAP pipeline's own cost per Poll, without HTTP: SoapEndpoint.HandlePostAsync as the host wires it (SQLite staging
# store, audit table, the NLog audit file of config/nlog.config, the Prometheus meter adapter), called by CALLERS concurrent
# callers in one process, then each step alone on one thread. No Kestrel, sockets or load client share the CPU: over eight
# runs on the 2-core machine CPU per call moved between 105 and 120 us (calls/s between 10,000 and 13,100, so compare CPU
# per call). Use it to see what a change to the pipeline costs, and poll-load.sh for the issue's figure. Last line:
#   soap-pipeline cpu_us_per_call=<process CPU time per call> calls_per_s=<calls per second> alloc_bytes_per_call=<bytes>
# Options (environment): CALLERS (64), ROUND_SECONDS (5 per round), ROUNDS (4; the figures are the last round's), BATCHES
# (1 unacknowledged batch that every Poll lists) of PAYLOAD_BYTES (1000; random bytes, like a gzip payload) each.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dotnet build "$root/tests/Exchange.Benchmarks" -c Release -nologo -v q >/dev/null
exec dotnet "$root/tests/Exchange.Benchmarks/bin/Release/net10.0/Exchange.Benchmarks.dll" soap-pipeline "$root/config/nlog.config" \
  "${CALLERS:-64}" "${ROUND_SECONDS:-5}" "${ROUNDS:-4}" "${BATCHES:-1}" "${PAYLOAD_BYTES:-1000}"
