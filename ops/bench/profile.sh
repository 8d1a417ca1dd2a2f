#!/usr/bin/env bash
# Runs one benchmark against a private PostgreSQL with pg_stat_statements and per-function timing on, then prints what the
# server spent its time on (top statements, with buffers and WAL records per call) and the CPU seconds of PostgreSQL,
# the service and the benchmark client during the run, sampled from /proc once a second (cpu.log in the output folder).
#   bash ops/bench/profile.sh <benchmark> [output folder]
# Same benchmarks and variables as run.sh. Needs PostgreSQL's binaries and contrib (pg_stat_statements) and python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
name="${1:?usage: bash ops/bench/profile.sh <benchmark> [output folder]}"
out="${2:-$(mktemp -d /tmp/governance-profile-XXXXXX)}"
mkdir -p "$out"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
data="$(mktemp -d /tmp/governance-profile-pg-XXXXXX)"
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres "$data"
  as_pg=(runuser -u postgres --)
fi

sampler=""
cleanup() {
  [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null || true
  "${as_pg[@]}" "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

"${as_pg[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
# The embedded server's settings (EmbeddedPostgres), plus the statistics this script reads.
"${as_pg[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
  -c fsync=on -c max_connections=200 -c shared_buffers=128MB -c shared_preload_libraries=pg_stat_statements \
  -c pg_stat_statements.track=all -c track_functions=all -c track_io_timing=on" start >/dev/null
psql=("$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -X -q)
"${psql[@]}" -c "CREATE EXTENSION pg_stat_statements"
postmaster=$(head -1 "$data/postmaster.pid")

# Cumulative CPU milliseconds: the cluster (postmaster, its live children, and its exited children), the service started
# from this tree, and the benchmark client.
python3 - "$postmaster" "$root" >"$out/cpu.log" <<'PY' &
import os, sys, time
hz = os.sysconf('SC_CLK_TCK'); pm = int(sys.argv[1]); root = sys.argv[2]
def stat(pid):
    s = open(f'/proc/{pid}/stat').read(); r = s[s.rindex(')') + 2:].split()
    return int(r[1]), int(r[11]) + int(r[12]), int(r[13]) + int(r[14])
while True:
    pg = service = client = 0
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            ppid, own, children = stat(d)
            cmd = open(f'/proc/{d}/cmdline').read()
            cwd = os.readlink(f'/proc/{d}/cwd')
        except OSError:
            continue
        if int(d) == pm:
            pg += own + children
        elif ppid == pm:
            pg += own
        elif 'Governance.Api.dll' in cmd and root in cmd:
            service += own
        elif 'Governance.Bench.dll' in cmd and (root in cmd or cwd.startswith(root)):
            client += own
    print(f"{time.strftime('%H:%M:%S')} pg_ms={pg * 1000 // hz} service_ms={service * 1000 // hz} client_ms={client * 1000 // hz}", flush=True)
    time.sleep(1)
PY
sampler=$!

cd "$root"
GOVERNANCE_BENCH_CONNECTION="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres" \
  bash "$here/run.sh" "$name" >"$out/report.txt" 2>"$out/progress.log"
kill "$sampler"; sampler=""

cat "$out/report.txt"
echo "--- CPU seconds during the run (from $out/cpu.log: first and last sample)"
python3 - "$out/cpu.log" <<'PY'
import sys
rows = [dict(x.split('=') for x in l.split()[1:]) for l in open(sys.argv[1]) if '=' in l]
first, last = rows[0], rows[-1]
for k in ('pg_ms', 'service_ms', 'client_ms'):
    print(f"{k[:-3]}_cpu_s={(int(last[k]) - int(first[k])) / 1000:.1f}")
PY
echo "--- top statements (exec ms are wall time inside PostgreSQL: on a busy machine they include waiting for a core)"
"${psql[@]}" -P pager=off -c "
  SELECT calls, round(total_exec_time::numeric, 0) AS total_ms, round((total_exec_time / calls)::numeric, 3) AS mean_ms,
         round(shared_blks_hit::numeric / calls, 1) AS buffers_per_call, round(wal_records::numeric / calls, 1) AS wal_per_call,
         left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS statement
  FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25"
echo "--- output in $out"
