#!/usr/bin/env bash
# Runs a benchmark against a private PostgreSQL it starts itself (ephemeral, under /tmp), printing key=value lines.
#   bash ops/bench/run.sh <append|catchup|lag|lineage|evaluations|deployments|docs|slo|failover|webhooks|all>
# GOVERNANCE_BENCH_CONNECTION=<npgsql connection string to a superuser on `postgres`> uses that server instead.
# BENCH_DURATION_SECONDS / BENCH_WARMUP_SECONDS change the measured window and warm-up (default 8 / 2).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$here/Governance.Bench/Governance.Bench.csproj"
if [[ $# -lt 1 ]]; then
  echo "usage: bash ops/bench/run.sh <append|catchup|lag|lineage|evaluations|deployments|docs|slo|failover|webhooks|all>" >&2
  exit 2
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build "$project" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
# HTTP benchmarks start the real service from its Release build.
dotnet build "$here/../../src/Governance.Api/Governance.Api.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
exec dotnet "$here/Governance.Bench/bin/Release/net10.0/Governance.Bench.dll" "$@"
