#!/usr/bin/env python3
"""Runs the fleet queries of docs/fleet.sql with DuckDB over the fixtures' JSONL and checks every result.

    python3 scripts/fleet-check.py BINARY [--keep DIR] [--corpus FILE ...]

BINARY (or $TCPTRACE_BINARY) is the tcptrace-swift to run. The script lays out a fleet as docs/fleet.md describes:
one directory per sensor, one JSONL file per analyze run (`analyze --format jsonl --quiet`):

    fleet/sensor-a/   the kernel captures, Fixtures/*.pcap(ng); the three rotated-N parts as one run
    fleet/sensor-b/   the generated ones, Fixtures/synthetic/
    fleet/sensor-c/   the timing captures, Fixtures/timing/
    fleet/corpus/     with --corpus: those files, one run each (a file the tool refuses, exit 2, is left out)

Then it runs each `-- name:` block of docs/fleet.sql in order and holds the results to the tool's own totals:
each run's `analyze --format json` summary (connections, findings by code, severities) and, for resets, the
summary of the same run with `--state reset`. What no summary has (the split by server, host, day, the slowest
handshakes) is computed here from the JSONL lines with plain Python, apart from the SQL. It also checks that
docs/fleet.md quotes every block word for word.

Without the duckdb Python package (scripts/ensure-deps.sh installs it) it says so and exits 0.
Prints each query's result, then `fleet: N passed, M failed`; exits 1 on any failure, 2 on a usage error.
"""

import argparse
import collections
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL = ROOT / "docs" / "fleet.sql"
DOC = ROOT / "docs" / "fleet.md"
SHOWN_ROWS = 12


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def equal(self, what, got, want):
        if got == want:
            self.passed += 1
            return
        self.failed.append(what)
        if isinstance(got, list) and isinstance(want, list):
            print(f"FAIL {what}: {len(got)} rows, {len(want)} expected; the first that differ:")
            wrong = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
            for i, g, w in wrong[:3]:
                print(f"  row {i + 1}: {g!r}\n  expected {w!r}")
        else:
            print(f"FAIL {what}: {got!r}, expected {want!r}")


def capture_sets(corpus):
    """(sensor, JSONL path under the fleet's parent, files) for each analyze run of the fleet."""
    fixtures = ROOT / "Fixtures"
    sets = []
    rotated = sorted(fixtures.glob("rotated-*.pcap"))
    for path in sorted([*fixtures.glob("*.pcap"), *fixtures.glob("*.pcapng")]):
        if path not in rotated:
            sets.append(("sensor-a", path.name, [path]))
    if rotated:
        sets.append(("sensor-a", "rotated", rotated))
    synthetic = fixtures / "synthetic"
    for path in sorted([*synthetic.glob("*.pcap"), *synthetic.glob("*.pcapng"), *synthetic.glob("*.snoop")]):
        sets.append(("sensor-b", path.name, [path]))
    for path in sorted((fixtures / "timing").glob("*.pcap")):
        sets.append(("sensor-c", path.name, [path]))
    for path in corpus:
        sets.append(("corpus", Path(path).name, [Path(path)]))
    named, taken = [], set()
    for sensor, name, files in sets:
        stem = re.sub(r"\.(pcapng|pcap|snoop|cap)$", "", name)
        relative, suffix = f"fleet/{sensor}/{stem}.jsonl", 1
        while relative in taken:  # lo-ipv4.pcap and lo-ipv4.pcapng, or two corpus files of one name
            suffix += 1
            relative = f"fleet/{sensor}/{stem}-{suffix}.jsonl"
        taken.add(relative)
        named.append((sensor, relative, files))
    return named


def run(binary, files, *options):
    """The tool's exit code and standard output; 0, 1 (a finding at --fail-on) and 3 (cut off) have results."""
    done = subprocess.run([binary, "analyze", *map(str, files), "--quiet", *options], capture_output=True)
    return done.returncode, done.stdout


def analyze(binary, base, sensor, relative, files):
    """Writes the run's JSONL to BASE/RELATIVE and returns what the checks need, or None when the tool refuses."""
    code, jsonl = run(binary, files, "--format", "jsonl")
    if code == 2:
        return None
    if code not in (0, 1, 3):
        raise SystemExit(f"fleet check: {binary} exited {code} on {' '.join(map(str, files))}")
    (base / relative).write_bytes(jsonl)
    summary = json.loads(run(binary, files, "--format", "json")[1])["summary"]
    resets = json.loads(run(binary, files, "--format", "json", "--state", "reset")[1])["summary"]
    lines = [json.loads(line) for line in jsonl.decode().splitlines() if line.strip()]
    return {"sensor": sensor, "file": relative, "summary": summary, "resets": resets["connections"], "lines": lines}


def blocks(text):
    """[(name, statement)] of docs/fleet.sql, each statement with its leading comments."""
    parts = re.split(r"^-- name: (\S+)\n", text, flags=re.M)
    return [(name, body.strip()) for name, body in zip(parts[1::2], parts[2::2])]


UNLISTED = re.compile(r"\(and (\d+) more [a-z0-9-]+ not listed\)$")


def instances(finding):
    """1, or 1 + the findings of its code past the per-connection cap that its detail counts (docs/findings.md)."""
    unlisted = UNLISTED.search(finding["detail"])
    return 1 + (int(unlisted.group(1)) if unlisted else 0)


def endpoint(e):
    address, port = e["address"], e["port"]
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def epoch(value):
    return value.timestamp() if isinstance(value, datetime.datetime) else value


def close(a, b):
    return a is not None and b is not None and abs(a - b) < 2e-6


def show(name, columns, rows):
    print(f"== {name} ({len(rows)} rows)")

    def cell(value):
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if isinstance(value, float):
            return f"{value:.6f}"
        return "-" if value is None else str(value)

    table = [columns] + [[cell(v) for v in row] for row in rows[:SHOWN_ROWS]]
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    for r in table:
        print("  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    if len(rows) > SHOWN_ROWS:
        print(f"  ... {len(rows) - SHOWN_ROWS} more rows")


def expected(runs):
    """Every figure the queries give, computed from the JSONL lines without SQL."""
    rows = [(r["sensor"], r["file"], c) for r in runs for c in r["lines"]]
    want = {}

    resets = {}
    for sensor, _, c in rows:
        if c["close"]["kind"] != "reset":
            continue
        s = resets.setdefault(endpoint(c["server"]), [0, 0, 0, set(), set()])
        s[0] += 1
        s[1] += c["close"]["rst_sender"] == "server"
        s[2] += c["close"]["rst_sender"] == "client"
        s[3].add(c["client"]["address"])
        s[4].add(sensor)
    want["resets_by_server"] = sorted(
        ([k, v[0], v[1], v[2], len(v[3]), ",".join(sorted(v[4]))] for k, v in resets.items()),
        key=lambda r: (-r[1], r[0]),
    )

    reuse = {}
    for sensor, _, c in rows:
        codes = [f["code"] for f in c["findings"]]
        for f in c["findings"]:
            if f["code"] != "time-wait-reuse":
                continue
            host = c["server"]["address"] if f["sender"] == "server" else c["client"]["address"]
            h = reuse.setdefault(host, [0, set(), 0, [], set()])
            h[0] += 1
            h[1].add(endpoint(c["server"]))
            h[2] += "old-incarnation-segment" in codes
            h[3].append(f["time"])
            h[4].add(sensor)
    want["time_wait_reuse_by_host"] = sorted(
        ([k, v[0], len(v[1]), v[2], min(v[3]), max(v[3]), ",".join(sorted(v[4]))] for k, v in reuse.items()),
        key=lambda r: (-r[1], r[0]),
    )

    timed = [(s, f, c) for s, f, c in rows if c["handshake"]["rtt"] is not None]
    timed.sort(key=lambda t: (-t[2]["handshake"]["rtt"], t[0], t[1], t[2]["id"]))
    want["slowest_handshakes"] = [
        [s, endpoint(c["client"]), endpoint(c["server"]), c["start"], c["handshake"]["rtt"],
         c["handshake"]["syn_count"], c["handshake"]["synack_count"]]
        for s, _, c in timed[:10]
    ]

    days = {}
    for sensor, file, c in rows:
        for f in c["findings"]:
            day = datetime.datetime.fromtimestamp(f["time"], datetime.timezone.utc).date()
            d = days.setdefault((day, f["code"], f["severity"]), [0, set(), set()])
            d[0] += instances(f)
            d[1].add((file, c["id"]))
            d[2].add(sensor)
    per_day = collections.defaultdict(list)
    for (day, _, _), d in days.items():
        per_day[day].append(d[0])
    want["top_findings_per_day"] = sorted(
        ([day, code, severity, d[0], len(d[1]), len(d[2]), 1 + sum(n > d[0] for n in per_day[day])]
         for (day, code, severity), d in days.items()),
        key=lambda r: (-r[0].toordinal(), r[6], r[1]),
    )
    return want


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", nargs="?", default=os.environ.get("TCPTRACE_BINARY"))
    parser.add_argument("--keep", metavar="DIR", help="lay the fleet out in DIR (created) and keep it")
    parser.add_argument("--corpus", nargs="+", default=[], metavar="FILE", help="captures for a sensor `corpus`")
    args = parser.parse_args()
    if not args.binary:
        parser.error("give the tcptrace-swift binary (argument or TCPTRACE_BINARY)")
    try:
        import duckdb
    except ImportError:
        print("fleet check skipped: the duckdb Python package is not installed")
        return 0
    binary = str(Path(args.binary).resolve())
    if not os.access(binary, os.X_OK):
        parser.error(f"{args.binary} is not an executable")

    base = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="fleet-check."))
    try:
        sets = capture_sets(args.corpus)
        shutil.rmtree(base / "fleet", ignore_errors=True)
        for sensor in sorted({s for s, _, _ in sets}):
            (base / "fleet" / sensor).mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda s: analyze(binary, base, *s), sets))
        runs = [r for r in results if r is not None]
        refused = [(sensor, files) for (sensor, _, files), r in zip(sets, results) if r is None]
        fixtures = [str(f) for sensor, files in refused if sensor != "corpus" for f in files]
        if fixtures:
            raise SystemExit(f"fleet check: {binary} refused a fixture (exit 2): {', '.join(fixtures)}")
        print(f"fleet: {len(runs)} JSONL files in {base / 'fleet'}"
              + (f"; {len(refused)} corpus files left out (the tool refused them: exit 2)" if refused else ""))
        cwd = os.getcwd()
        try:
            return check(duckdb, base, runs)
        finally:
            os.chdir(cwd)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


def check(duckdb, base, runs):
    checks = Checks()
    for r in runs:
        checks.equal(f"{r['file']}: JSONL lines = summary.connections", len(r["lines"]), r["summary"]["connections"])

    findings = collections.Counter()
    severities = collections.Counter()
    for r in runs:
        findings.update(r["summary"]["findings"])
        severities.update(r["summary"]["severities"])
    want = expected(runs)
    statements = blocks(SQL.read_text())
    doc = DOC.read_text() if DOC.exists() else ""

    con = duckdb.connect()
    # A session time zone 14 hours from UTC: a query whose days or times depended on it would not match.
    con.execute("SET TimeZone = 'Pacific/Kiritimati'")
    os.chdir(base)
    got = {}
    for name, statement in statements:
        checks.equal(f"docs/fleet.md quotes the block {name} of docs/fleet.sql", statement in doc, True)
        cursor = con.execute(statement)
        code = [line for line in statement.splitlines() if not line.startswith("--")]
        if code and code[0].startswith("CREATE"):
            continue
        columns = [d[0] for d in cursor.description]
        rows = [list(row) for row in cursor.fetchall()]
        got[name] = (columns, rows)
        show(name, columns, rows)

    # `duckdb < fleet.sql` (docs/fleet.md): the whole file as one script gives the last query's rows.
    whole = duckdb.connect().execute(SQL.read_text()).fetchall()
    last = list(got.values())[-1][1] if got else []
    checks.equal("docs/fleet.sql runs as one script, ending with the last query's rows", len(whole), len(last))

    missing = {"sensors", *want} - set(got)
    checks.equal("docs/fleet.sql has every checked query", sorted(missing), [])

    if "sensors" in got:
        columns, rows = got["sensors"]
        by_sensor = {row[0]: dict(zip(columns, row)) for row in rows}
        for sensor in sorted({r["sensor"] for r in runs}):
            mine = [r for r in runs if r["sensor"] == sensor]
            row = by_sensor.get(sensor, {})
            checks.equal(f"sensors {sensor}: files", row.get("files", 0), sum(1 for r in mine if r["lines"]))
            checks.equal(f"sensors {sensor}: connections = summary.connections", row.get("connections", 0),
                         sum(r["summary"]["connections"] for r in mine))
            checks.equal(f"sensors {sensor}: resets = summary.connections with --state reset", row.get("resets", 0),
                         sum(r["resets"] for r in mine))
            checks.equal(f"sensors {sensor}: findings = sum of summary.findings", int(row.get("findings") or 0),
                         sum(sum(r["summary"]["findings"].values()) for r in mine))
            starts = [c["start"] for r in mine for c in r["lines"]]
            if starts:
                checks.equal(f"sensors {sensor}: first_start = earliest connection start",
                             close(epoch(row.get("first_start")), min(starts)), True)

    if "resets_by_server" in got:
        _, rows = got["resets_by_server"]
        checks.equal("resets_by_server: rows (server, resets, by_server, by_client, clients, sensors)",
                     rows, want["resets_by_server"])
        checks.equal("resets_by_server: total = summary.connections with --state reset",
                     sum(row[1] for row in rows), sum(r["resets"] for r in runs))
        checks.equal("resets_by_server: by_server + by_client = resets",
                     [row[2] + row[3] for row in rows], [row[1] for row in rows])

    if "time_wait_reuse_by_host" in got:
        _, rows = got["time_wait_reuse_by_host"]
        mine = [[row[0], row[1], row[2], row[3], epoch(row[4]), epoch(row[5]), row[6]] for row in rows]
        wanted = want["time_wait_reuse_by_host"]
        checks.equal("time_wait_reuse_by_host: rows (host, reuses, servers, old_incarnation, sensors)",
                     [r[:4] + r[6:] for r in mine], [r[:4] + r[6:] for r in wanted])
        checks.equal("time_wait_reuse_by_host: first and last times",
                     len(mine) == len(wanted)
                     and all(close(a[4], b[4]) and close(a[5], b[5]) for a, b in zip(mine, wanted)), True)
        checks.equal("time_wait_reuse_by_host: total = summary.findings time-wait-reuse",
                     sum(row[1] for row in rows), findings["time-wait-reuse"])
        checks.equal("time_wait_reuse_by_host: old_incarnation <= summary.findings old-incarnation-segment",
                     sum(row[3] for row in rows) <= findings["old-incarnation-segment"], True)

    if "slowest_handshakes" in got:
        _, rows = got["slowest_handshakes"]
        wanted = want["slowest_handshakes"]
        checks.equal("slowest_handshakes: rows (sensor, client, server, rtt, syns, synacks)",
                     [row[:3] + row[4:] for row in rows], [w[:3] + w[4:] for w in wanted])
        checks.equal("slowest_handshakes: start = the connection's start",
                     len(rows) == len(wanted) and all(close(epoch(a[3]), b[3]) for a, b in zip(rows, wanted)), True)

    if "top_findings_per_day" in got:
        _, rows = got["top_findings_per_day"]
        checks.equal("top_findings_per_day: rows (day, code, severity, findings, connections, sensors, rank)",
                     rows, want["top_findings_per_day"])
        per_code = collections.Counter()
        per_severity = collections.Counter()
        for row in rows:
            per_code[row[1]] += row[3]
            per_severity[row[2]] += row[3]
        for code in sorted(set(per_code) | set(findings)):
            checks.equal(f"top_findings_per_day: {code} over all days = summary.findings",
                         per_code[code], findings[code])
        for severity in sorted(set(per_severity) | set(severities)):
            checks.equal(f"top_findings_per_day: {severity} over all days = summary.severities",
                         per_severity[severity], severities[severity])

    print(f"fleet: {checks.passed} passed, {len(checks.failed)} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
