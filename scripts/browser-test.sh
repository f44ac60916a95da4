#!/usr/bin/env bash
# Browser test of the HTML report (run by .ci/run): installs Debian's chromium and chromium-driver and the
# selenium package when missing, writes a report over several fixtures, loads it headless, and checks in the
# rendered DOM that the connection table has one row per connection and that every connection's SVG pictures have
# their elements; then drives the time graphs with real wheel, drag and double-click input through chromedriver
# (scripts/browser-zoom.py) and checks that the visible time range follows.
# With --screenshots it also refreshes docs/report.png (a zoomed time-sequence graph) and docs/ladder.png.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing for the browser test: ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! python3 -c 'import selenium' 2>/dev/null; then
    echo "installing selenium for the browser test" >&2
    # pip first (any Python); Debian's own python3-selenium when pip is missing or refuses (PEP 668).
    python3 -m pip install --quiet selenium 2>/dev/null \
        || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-selenium \
        >/dev/null; }
fi
BROWSER=$(command -v chromium || command -v chromium-browser)
DRIVER=$(command -v chromedriver || echo /usr/bin/chromedriver)
BIN=.build/debug/tcptrace-swift
[ -x "$BIN" ] || swift build
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
captures=(Fixtures/close-simultaneous.pcap Fixtures/refused.pcap Fixtures/syn-retransmit.pcap Fixtures/half-close.pcap)
"$BIN" report "${captures[@]}" -o "$work/report.html" 2>/dev/null
"$BIN" analyze "${captures[@]}" --format json > "$work/analysis.json"
chrome() { timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars "$@" 2>/dev/null; }
chrome --dump-dom "file://$work/report.html" > "$work/dom.html"
python3 - "$work/dom.html" "$work/analysis.json" <<'PY'
import json, sys
from html.parser import HTMLParser
dom, analysis = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
class Counter(HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = 0; self.svgs = {}; self.current = None; self.elements = {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-id" in a: self.rows += 1
        if tag == "svg":
            self.current = a.get("class"); self.svgs[self.current] = self.svgs.get(self.current, 0) + 1
        elif self.current:
            key = (self.current, tag); self.elements[key] = self.elements.get(key, 0) + 1
    def handle_endtag(self, tag):
        if tag == "svg": self.current = None
c = Counter(); c.feed(dom)
n = len(analysis["connections"])
packets = sum(x["packets"]["client"] + x["packets"]["server"] for x in analysis["connections"])
problems = []
if c.rows != n: problems.append(f"table has {c.rows} rows, the trace has {n} connections")
if c.svgs.get("ladder", 0) != n: problems.append(f"{c.svgs.get('ladder', 0)} ladders for {n} connections")
if c.svgs.get("tsg", 0) != 2 * n: problems.append(f"{c.svgs.get('tsg', 0)} time-sequence graphs, expected {2 * n}")
if c.elements.get(("ladder", "line"), 0) < packets: problems.append("ladders have fewer arrows than segments")
if c.elements.get(("tsg", "polyline"), 0) < 2 * n: problems.append("time-sequence graphs lack their ACK lines")
if problems:
    print("browser test FAILED: " + "; ".join(problems)); sys.exit(1)
print(f"browser test: {c.rows} rows, {c.svgs.get('ladder')} ladders, {c.svgs.get('tsg')} time-sequence graphs, "
      f"{c.elements.get(('ladder', 'line'))} ladder lines: ok")
PY
# The zoom test: a capture with losses and retransmissions and one with zero windows.
"$BIN" report Fixtures/bulk-loss-mid.pcap Fixtures/zero-window.pcap -o "$work/zoom.html" 2>/dev/null
shot=()
[ "${1:-}" = "--screenshots" ] && shot=("$PWD/docs/report.png")
timeout 180 python3 scripts/browser-zoom.py "$work/zoom.html" "$BROWSER" "$DRIVER" ${shot[@]+"${shot[@]}"}
if [ "${1:-}" = "--screenshots" ]; then
    mkdir -p docs
    { echo '<html><body style="margin:0;background:#1e1e1e"><pre style="color:#ddd;font:14px monospace;padding:12px">'
      "$BIN" ladder Fixtures/synthetic/textbook.pcap --color never | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'
      echo '</pre></body></html>'; } > "$work/ladder.html"
    chrome --window-size=760,560 --screenshot="$PWD/docs/ladder.png" "file://$work/ladder.html"
    echo "wrote docs/report.png docs/ladder.png"
fi
