#!/usr/bin/env bash
# Benchmark (not a test), issue 20: what the tunnel, interface and capture-duplicate work costs a plain capture.
# Builds this checkout as it is, and a copy of it with scripts/tunnel-cost.patch applied: the patch takes out
# every branch and store a plain packet runs for that work (the decoder's reset of the tunnel marks, the
# reader's branch to `locate`, the batch's extended words, the tracker's tunnel and VNI checks, the interface
# mask, the tunnel identity in the flow key's hash). Then compares the two on the benchmark's plain-Ethernet
# captures (big.pcap and many.pcap from scripts/benchmark.sh): callgrind instruction counts on their first
# 200,000 packets when valgrind and tcpdump are installed, and alternating runs (scripts/ab-bench.py: wall
# time, CPU time and peak RSS, medians). The patch is for this measurement only; it breaks tunnelled captures.
# Usage: scripts/tunnel-cost.sh   (BENCH_DIR=/tmp/tcptrace-bench, RUNS=7, MODES=text,jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-/tmp/tcptrace-bench}
runs=${RUNS:-7}
modes=${MODES:-text,jsonl}
for f in big many; do
    [ -s "$dir/$f.pcap" ] || { echo "tunnel-cost: $dir/$f.pcap is missing: run scripts/benchmark.sh first" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --static-swift-stdlib --product tcptrace-swift 2>&1 | tail -1
cp .build/release/tcptrace-swift "$work/with"
mkdir "$work/src"
tar -cf - --exclude=./.build --exclude='./.build-*' --exclude=./.git . | tar -xf - -C "$work/src"
(cd "$work/src" && git apply scripts/tunnel-cost.patch)
(cd "$work/src" && swift build -c release --static-swift-stdlib --product tcptrace-swift 2>&1 | tail -1)
cp "$work/src/.build/release/tcptrace-swift" "$work/without"
for f in big many; do
    a=$("$work/with" analyze "$dir/$f.pcap" --format jsonl | md5sum)
    b=$("$work/without" analyze "$dir/$f.pcap" --format jsonl | md5sum)
    [ "$a" = "$b" ] || { echo "tunnel-cost: $f: outputs differ" >&2; exit 1; }
done
echo "outputs identical on big and many (jsonl, md5)"
if command -v valgrind > /dev/null && command -v tcpdump > /dev/null; then
    # (callgrind cannot read the static binaries' debug information: it reads copies without it.)
    strip --strip-debug -o "$work/with.sd" "$work/with"
    strip --strip-debug -o "$work/without.sd" "$work/without"
    echo "callgrind, first 200,000 packets, instructions (without the work -> with it):"
    for f in big many; do
        tcpdump -r "$dir/$f.pcap" -c 200000 -w "$work/$f-200k.pcap" 2> /dev/null
        for mode in text jsonl; do
            args=(); [ "$mode" = jsonl ] && args=(--format jsonl)
            count() {
                valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" analyze "${args[@]}" "$work/$f-200k.pcap" \
                    2>&1 > /dev/null | sed -n 's/.*refs: *//p' | tr -d ,
            }
            a=$(count "$work/without.sd"); b=$(count "$work/with.sd")
            python3 -c "print(f'  {\"$f\":5} {\"$mode\":6} {$a:>13,} -> {$b:>13,}  {$b / $a:.4f}x')"
        done
    done
fi
python3 scripts/ab-bench.py "$work/without" "$work/with" "$dir/big.pcap" "$dir/many.pcap" --runs "$runs" --modes "$modes"
