#!/usr/bin/env bash
# What each limit that several nodes share through a PostgreSQL staging store costs per call (the digest nonce, Poll
# pacing, the per-principal rate limit): one statement each, timed by one caller (microseconds a SOAP call pays) and by
# CALLERS callers at once, beside a bare SELECT 1 round trip and the in-memory versions a single (SQLite) node uses.
# The server runs with its default durability (fsync on); the limits commit without waiting for the WAL flush.
# Last line: shared-limits nonce_us=… poll_pacing_us=… rate_limit_us=… round_trip_us=… calls=…
# CALLS (default 5000) per check and mode, CALLERS (default 16).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WORK="$(mktemp -d /tmp/exchange-bench-limits.XXXXXX)"
chmod 755 "$WORK"
trap 'stop_pg; rm -rf "$WORK"' EXIT

build_exchange
start_pg "$WORK/pg"
createdb staging
echo "shared-limits: machine $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$BENCH_DLL" shared-limits "Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=staging" "${CALLS:-5000}" "${CALLERS:-16}"
