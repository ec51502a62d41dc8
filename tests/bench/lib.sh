# Shared helpers of the benchmark scripts: a throwaway PostgreSQL server and the AC43-like table.
# Sourced, not run. Uses the Debian server binaries (apt-get install -y postgresql); as root the server runs as 'postgres'.

BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)" >&2; exit 1; }
command -v pgbench >/dev/null && command -v psql >/dev/null || { echo "pgbench and psql are needed (apt-get install -y postgresql-client postgresql-contrib)" >&2; exit 1; }

as_server_user() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

calc() { python3 -c "print($1)"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start_pg <work-dir>: initdb and start on a free loopback port; sets PGPORT, PGHOST, PGUSER.
start_pg() {
  local dir="$1"
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_server_user "$PG_BIN/initdb" -D "$dir/db" -U postgres -A trust -E UTF8 --locale=C >/dev/null
  export PGPORT="$(free_port)" PGHOST=127.0.0.1 PGUSER=postgres
  as_server_user "$PG_BIN/pg_ctl" -D "$dir/db" -l "$dir/server.log" -w -t 120 \
    -o "-p $PGPORT -c listen_addresses=127.0.0.1 -k $dir -c max_connections=100 -c shared_buffers=256MB ${PG_OPTIONS:-}" start >/dev/null
  PG_DIR="$dir"
}

stop_pg() { [ -n "${PG_DIR:-}" ] && as_server_user "$PG_BIN/pg_ctl" -D "$PG_DIR/db" -m fast -w stop >/dev/null 2>&1 || true; }

# create_ac43 <database> <rows>: an AC43-like contributions table (8 columns), indexed on the watermark.
create_ac43() {
  psql -q -v ON_ERROR_STOP=1 -d "$1" <<SQL
CREATE TABLE ac43 (
  aaz223 bigint PRIMARY KEY, aac001 bigint NOT NULL, aae140 varchar(3) NOT NULL, aae002 integer NOT NULL,
  aae022 numeric(14,2) NOT NULL, aae019 numeric(14,2) NOT NULL, aab001 varchar(20) NOT NULL, aae036 timestamp without time zone NOT NULL);
INSERT INTO ac43 SELECT g, 1000000 + g % 500000, '1' || (g % 5)::text || '0', 202001 + g % 12,
  round((3000 + (g % 7000))::numeric * 0.08, 2), round((3000 + (g % 7000))::numeric, 2), 'B' || lpad((g % 20000)::text, 8, '0'),
  timestamp '2026-01-01 00:00:00' + (g / 10) * interval '1 second'
FROM generate_series(1, $2) AS g;
CREATE INDEX ix_ac43_aae036 ON ac43 (aae036, aaz223);
VACUUM ANALYZE ac43;
SQL
}

# build: the daemon and the benchmark tool, Release.
build_exchange() {
  (cd "$BENCH_ROOT" && dotnet build -c Release -nologo -v q src/Exchange.Host/Exchange.Host.csproj >/dev/null && \
   dotnet build -c Release -nologo -v q tests/Exchange.Benchmarks/Exchange.Benchmarks.csproj >/dev/null) || { echo "build failed" >&2; exit 1; }
  EXCHANGE_DLL="$BENCH_ROOT/src/Exchange.Host/bin/Release/net10.0/exchange.dll"
  BENCH_DLL="$BENCH_ROOT/tests/Exchange.Benchmarks/bin/Release/net10.0/Exchange.Benchmarks.dll"
}
