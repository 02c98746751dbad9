#!/usr/bin/env bash
# CPU and heap profiles (pprof) of a first pass and a 10 %-changed pass over
# the 1,000 generated sources, and of the daemon checking them every
# minute, run in process by the benchmarks of bench/bench_test.go. Writes
# the profiles and their tops to bench/out/profiles-DATE/.
#
#   bench/profile.sh                 # the daemon for 5 minutes
#   SOAK=10m bench/profile.sh
#   go tool pprof -http :8081 bench/out/profiles-DATE/bench.test bench/out/profiles-DATE/first.cpu.pprof
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(realpath -m "${PROFILE_OUT:-bench/out/profiles-$(date -u +%Y%m%dT%H%M%SZ)}")
mkdir -p "$out"
go test -c -o "$out/bench.test" ./bench
cd "$out"
export TRACKER_BENCH_PROFILE=$out
./bench.test -test.run '^$' -test.bench 'Pass/(first|changed-10)$' -test.benchtime 1x -test.timeout 60m | tee bench.txt
TRACKER_BENCH_SOAK=${SOAK:-5m} ./bench.test -test.run '^$' -test.bench 'Daemon' -test.benchtime 1x -test.timeout 60m | tee -a bench.txt

# Where the time goes: the share of the CPU samples under each stage
# (cumulative, so nested stages overlap: the search index and zstd are
# parts of recording a version).
stages='sources.\(\*Checker\).CheckAll|fetch.\(\*Fetcher\).Fetch$|page.\(\*Extractor\).Extract$|record.\(\*Recorder\).Record$|changes.AnalyzeIn$|store.\(\*DB\).AddVersion$|store.indexVersion$|store.\(\*DB\).putBlob$|store.\(\*DB\).insertSnapshot$|zstd.\(\*Encoder\).EncodeAll$|zstd.\(\*Encoder\).ResetWithOptions$|store.decompressWith$|store.\(\*DB\).Confirm$|store.\(\*DB\).write$|database/sql.\(\*Tx\).Commit$|runtime.gcBgMarkWorker$|runtime.mallocgc$|loadgen.\(\*Set\).serve$'
# The heap of the benchmark itself (its servers, its profiles) is not tracker's.
notours='loadgen|runtime/pprof|bench_test'
for p in first changed-10 daemon; do
	[ -f "$p.cpu.pprof" ] || continue
	go tool pprof -top -nodecount 40 bench.test "$p.cpu.pprof" > "$p.cpu.top.txt" 2>/dev/null
	go tool pprof -top -cum -nodecount 100000 bench.test "$p.cpu.pprof" 2>/dev/null > "$p.cpu.cum.txt"
	{
		echo "== $p: CPU by stage (cumulative)"
		head -5 "$p.cpu.cum.txt" | grep -E 'Duration|Showing nodes'
		grep -E "$stages" "$p.cpu.cum.txt" | awk '{printf "  %7s %6s  %s\n", $4, $5, $6}'
		echo "== $p: Go heap in use at its peak"
		go tool pprof -sample_index=inuse_space -ignore "$notours" -top -nodecount 15 bench.test "$p.heap-peak.pprof" 2>/dev/null | sed -n '/flat%/,$p'
		echo "== $p: allocated during the run"
		go tool pprof -sample_index=alloc_space -ignore "$notours" -base "$p.heap-start.pprof" -top -nodecount 15 bench.test "$p.heap-end.pprof" 2>/dev/null | sed -n '/Showing nodes/p;/flat%/,$p'
	} | tee "$p.summary.txt"
done
echo "profiles in $out"
