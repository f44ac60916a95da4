#!/usr/bin/env bash
# Memory of a long live capture: 30,000 short real connections on lo go through `tcptrace-swift live` while
# its resident set size is sampled. Prints the samples; fails when RSS at the end exceeds RSS at 15,000
# connections by more than 8 MB (after the warm-up of the first batches). Closed connections
# must leave memory, each keeping a compact TIME_WAIT record of about 100 bytes for 2·MSL (docs/live.md, "Memory").
# Needs root (CAP_NET_RAW).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "live-memory skipped: needs root"; exit 0; }
# The release build: a debug build is too slow for 3,000+ packets/s on lo and the kernel drops packets.
BIN=${BIN:-.build/release/tcptrace-swift}
[ -x "$BIN" ] || swift build -c release --static-swift-stdlib
N=${CONNECTIONS:-30000}
PORT=$((30000 + $$ % 5000))
# A fixed mmap threshold: glibc otherwise raises it after large frees, keeps the freed storage of grown tables
# in the heap, and RSS jumps by some 10 MB at a moment that depends on timing (measured: 3 to 10 MB of growth
# on the same build). With it, RSS follows what the program holds.
MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 \
    "$BIN" live -i lo --format jsonl --idle-timeout 5 "tcp port $PORT" > /dev/null 2>&1 &
LIVE=$!
trap 'kill $LIVE 2>/dev/null || true' EXIT
sleep 1
python3 scripts/tcpapp.py server --addr 127.0.0.1 --port $PORT --conns "$N" --steps "recv:10,send:10,eof,close" 2>/dev/null &
SERVER=$!
sleep 0.3
rss() { awk '/VmRSS/ {print $2}' /proc/$LIVE/status; }
start=$(rss)
echo "connections  live RSS (kB)"
echo "0  $start"
step=$((N / 6))
base=""
for i in 1 2 3 4 5 6; do
    python3 - "$PORT" "$step" <<'PY'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"x" * 10); s.recv(10); s.close()
PY
    sleep 4   # closed connections linger 3 s, then only their compact TIME_WAIT record stays
    now=$(rss)
    echo "$((i * step))  $now"
    [ "$i" -eq 3 ] && base=$now
done
wait $SERVER || true
kill -INT $LIVE; wait $LIVE || true
trap - EXIT
growth=$(( (now - base) / 1024 ))
echo "growth from $((3 * step)) to $N connections: ${growth} MB"
[ "$growth" -le 8 ] || { echo "live memory grew by ${growth} MB"; exit 1; }
