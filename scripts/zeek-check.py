#!/usr/bin/env python3
"""Reads every fixture's conn.log (`analyze --format zeek`) back with a Zeek-log parser from PyPI (zat's
ZeekLogReader, which reads the #fields/#types header and converts each column by its Zeek type), and checks
each row's Community ID against the reference implementation (the `communityid` package, Corelight's
pycommunityid) at seed 0 and at a second seed, and against the JSON output's `community_id`.

Usage: zeek-check.py BINARY. Skips (exit 0, with the reason) when zat or communityid is not installed
(scripts/ensure-deps.sh installs both). Last line: `zeek: N passed, M failed`.
"""
import contextlib
import glob
import io
import json
import os
import subprocess
import sys
import tempfile

try:
    import communityid
    from zat.zeek_log_reader import ZeekLogReader
except ImportError as error:
    print(f"zeek check skipped: {error.name} is not installed (scripts/ensure-deps.sh installs zat and communityid)")
    sys.exit(0)

SEEDS = (0, 4242)


def run(binary, args):
    result = subprocess.run([binary, "analyze", "--quiet", *args], capture_output=True, text=True, timeout=300)
    if result.returncode not in (0, 3):  # 3: a capture cut off part-way (truncated.pcap), still written
        raise RuntimeError(f"{args}: exit {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures")
    captures = sorted(
        p for pattern in ("*.pcap", "*.pcapng", "synthetic/*.pcap", "synthetic/*.pcapng", "timing/*.pcap")
        for p in glob.glob(os.path.join(root, pattern)))
    passed = failed = rows_read = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL:", what)

    with tempfile.TemporaryDirectory() as folder:
        for capture in captures:
            name = os.path.relpath(capture, root)
            json_rows = [json.loads(line) for line in run(binary, ["--format", "jsonl", capture]).splitlines()
                         if line.startswith('{"id"')]
            for seed in SEEDS:
                log = os.path.join(folder, "conn.log")
                with open(log, "w") as out:
                    out.write(run(binary, ["--format", "zeek", "--community-id-seed", str(seed), capture]))
                with contextlib.redirect_stdout(io.StringIO()):  # zat prints a line per file it opens
                    rows = list(ZeekLogReader(log, strict=True).readrows())
                check(len(rows) == len(json_rows), f"{name}: {len(rows)} rows, {len(json_rows)} JSON connections")
                hasher = communityid.CommunityID(seed=seed)
                for row, connection in zip(rows, json_rows):
                    flow = communityid.FlowTuple.make_tcp(
                        str(row["id.orig_h"]), str(row["id.resp_h"]), int(row["id.orig_p"]), int(row["id.resp_p"]))
                    expected = hasher.calc(flow)
                    check(row["community_id"] == expected,
                          f"{name} seed {seed}: {row['uid']} {row['community_id']} != {expected}")
                    if seed == 0:
                        check(connection["community_id"] == expected, f"{name}: JSON {connection['id']}")
                        check(row["conn_state"] == connection["zeek"]["conn_state"], f"{name}: conn_state")
                        rows_read += 1
    print(f"zeek: {rows_read} conn.log rows read back by zat from {len(captures)} fixtures, Community IDs "
          f"equal to pycommunityid's at seeds {SEEDS}")
    print(f"zeek: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
