#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer + AddressSanitizer (the Fuzz/ package):
#   FuzzCapture: the input is a whole capture file, run through read → decode → track → report;
#   FuzzPacket:  the first byte picks a link type, the rest is one packet for the decoder.
# Usage: scripts/fuzz.sh [SECONDS per target, default 60]. Seeds come from Fixtures/. A crashing input is
# copied to Tests/TCPTraceTests/FuzzRegressions/ (replayed by the unit tests) and the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scratch=.build-fuzz
# -Xswiftc: SwiftPM applies --sanitize=fuzzer only when linking; the coverage instrumentation needs it at compile.
(cd Fuzz && swift build -c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address \
    --scratch-path "../$scratch" 2>&1 | tail -1)
corpus_capture=$scratch/corpus-capture
corpus_packet=$scratch/corpus-packet
artifacts=$scratch/artifacts
mkdir -p "$corpus_capture" "$corpus_packet" "$artifacts"
find Fixtures -name '*.pcap' -o -name '*.pcapng' | while read -r f; do cp "$f" "$corpus_capture/"; done
# Packet seeds: each record of each classic pcap fixture, prefixed with its link type's index in
# LinkType.supported (NULL=0, EN10MB=1, RAW=2, ..., LINUX_SLL2=8).
python3 - "$corpus_packet" Fixtures/*.pcap Fixtures/synthetic/*.pcap <<'PY'
import struct, sys, os, hashlib
out = sys.argv[1]
index = {0: 0, 1: 1, 101: 2, 12: 2, 14: 3, 108: 4, 113: 5, 228: 6, 229: 7, 276: 8}
for path in sys.argv[2:]:
    data = open(path, 'rb').read()
    if len(data) < 24: continue
    magic = data[:4]
    end = '<' if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    link = struct.unpack(end + 'I', data[20:24])[0]
    if link not in index: continue
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        blob = bytes([index[link]]) + pkt
        open(os.path.join(out, hashlib.sha1(blob).hexdigest()), 'wb').write(blob)
PY
status=0
for target in FuzzCapture FuzzPacket; do
    corpus=$corpus_capture; [ "$target" = FuzzPacket ] && corpus=$corpus_packet
    echo "== $target for ${seconds}s (seeds: $(ls "$corpus" | wc -l))"
    if ! "$scratch/debug/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$corpus" > "$scratch/$target.log" 2>&1; then
        status=1
        echo "$target FAILED:"; grep -E "ERROR|SUMMARY|artifact" "$scratch/$target.log" | head -5
        mkdir -p Tests/TCPTraceTests/FuzzRegressions
        for a in "$artifacts/$target"-*; do [ -e "$a" ] && cp "$a" "Tests/TCPTraceTests/FuzzRegressions/$(basename "$a")"; done
    fi
    grep -E "DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$scratch/$target.log" | tail -4
done
exit $status
