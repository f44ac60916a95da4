#!/usr/bin/env bash
# One command from a fresh clone: install missing system packages, build, and analyse a fixture
# (or the captures given as arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build -c release
if [ $# -eq 0 ]; then set -- Fixtures/synthetic/sequence-wrap.pcap; fi
exec .build/release/tcptrace-swift analyze "$@"
