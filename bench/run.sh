#!/usr/bin/env bash
# Measures tracker beside urlwatch 2.25 on loopback servers (see
# bench/README.md): builds both programs of the benchmark, runs the cases
# and writes results.md and results.json to bench/out/DATE/.
#
#   bench/run.sh                    # every case: about an hour on 2 cores
#   bench/run.sh passes replay      # some of them
#   TRACKERBENCH_FLAGS="-runs 3 -soak 5m" bench/run.sh
#   TRACKERBENCH_FLAGS="-urlwatch ''" bench/run.sh passes   # tracker alone
set -euo pipefail
cd "$(dirname "$0")/.."

out=${BENCH_OUT:-bench/out/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
go build -o "$out/tracker" ./cmd/tracker
go build -o "$out/trackerbench" ./bench/cmd/trackerbench
if [ $# -eq 0 ]; then set -- all; fi
# shellcheck disable=SC2086 # the flags are words
eval "\"$out/trackerbench\" -tracker \"$out/tracker\" -json \"$out/results.json\" ${TRACKERBENCH_FLAGS:-} \"\$@\"" | tee "$out/results.md"
echo "results in $out"
