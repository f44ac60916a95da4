#!/usr/bin/env bash
# One command from a fresh clone: install missing system packages, build, and analyse a fixture
# (or the captures given as arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# Release builds link the Swift runtime statically (docs/performance.md: start-up and memory); every script
# builds release this way, so they share one build (a release build without the flag rebuilds everything).
swift build -c release --static-swift-stdlib
if [ $# -eq 0 ]; then set -- Fixtures/synthetic/sequence-wrap.pcap; fi
exec .build/release/tcptrace-swift analyze "$@"
