#!/usr/bin/env bash
# The test command (README, .ci/run): install missing system and Python packages, lint the sources (swift format),
# run the unit tests, check every fixture against its expectation file with the tool's own check mode (JUnit XML
# in .build/), run the fleet queries of docs/fleet.sql over the fixtures' JSONL, and run the browser test of the
# HTML report. In CI (CI=true) it also fuzzes each libFuzzer target for 60 s and runs the unit tests once more
# under AddressSanitizer (about 6 minutes more on 2 cores, well inside CI's budget).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
# Style (.swift-format, STYLE.md): --strict makes a warning fail the run (without it, lint exits 0 on warnings).
swift format lint --strict -r Sources Tests
swift build
swift test
mkdir -p .build
.build/debug/tcptrace-swift check Fixtures --junit .build/check-junit.xml
# conn.log read back by a Zeek-log parser, Community IDs against the reference implementation (docs/zeek.md).
python3 scripts/zeek-check.py .build/debug/tcptrace-swift
# docs/fleet.sql over the fixtures' JSONL with DuckDB, against the tool's own totals (skips without duckdb).
python3 scripts/fleet-check.py .build/debug/tcptrace-swift
if [ "$(id -u)" -eq 0 ] || command -v chromium >/dev/null 2>&1; then
    bash scripts/browser-test.sh
else
    echo "browser test skipped: chromium is not installed and installing it needs root" >&2
fi
if [ "${CI:-}" = "true" ] || [ "${FULL_TESTS:-}" = "1" ]; then
    bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
    echo "== live capture memory over 20,000 connections"
    bash scripts/live-memory.sh
    echo "== unit tests under AddressSanitizer"
    # LeakSanitizer is off: it reports allocations XCTest and Foundation.Process keep until exit, not ours.
    ASAN_OPTIONS=detect_leaks=0 swift test --sanitize=address --scratch-path .build-asan
fi
