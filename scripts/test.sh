#!/usr/bin/env bash
# The test command (README, .ci/run): install missing system packages, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
swift build
swift test
