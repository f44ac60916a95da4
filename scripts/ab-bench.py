#!/usr/bin/env python3
"""Alternating A/B timing of two tcptrace-swift binaries (a benchmark, not a test).

Runs `analyze --quiet` with each mode on each capture, alternating base and candidate, N times each, and
prints the median wall time, the median user+sys CPU time and the median peak RSS of each, with the
candidate/base ratios. Alternating runs share the machine's noise; CPU time is the steadier figure when
other work runs beside. Output goes to /dev/null.

Usage: scripts/ab-bench.py BASE_BINARY CANDIDATE_BINARY CAPTURE... [--runs N] [--modes text,jsonl,...]
Modes: text, jsonl, json, csv, zeek, text-finish, jsonl-finish (the last two with --order finish).
"""
import os, statistics, subprocess, sys, time

MODES = {
    "text": [], "jsonl": ["--format", "jsonl"], "json": ["--format", "json"], "csv": ["--format", "csv"],
    "zeek": ["--format", "zeek"], "text-finish": ["--order", "finish"], "jsonl-finish": ["--format", "jsonl", "--order", "finish"],
}

def run(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1, 3):
        sys.exit(f"{' '.join(cmd)}: exit {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024

def main():
    args = sys.argv[1:]
    runs, modes = 7, ["text", "jsonl"]
    if "--runs" in args:
        i = args.index("--runs"); runs = int(args[i + 1]); del args[i:i + 2]
    if "--modes" in args:
        i = args.index("--modes"); modes = args[i + 1].split(","); del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    base, cand, captures = args[0], args[1], args[2:]
    print(f"{runs} alternating runs each; medians. base={base} candidate={cand}")
    print(f"{'capture':<22} {'mode':<13} {'wall base':>9} {'cand':>7} {'ratio':>6}   {'cpu base':>8} {'cand':>7} "
          f"{'ratio':>6}   {'RSS MB base':>11} {'cand':>7} {'ratio':>6}")
    for capture in captures:
        for mode in modes:
            a, b = [], []
            for _ in range(runs):
                a.append(run([base, "analyze", "--quiet", *MODES[mode], capture]))
                b.append(run([cand, "analyze", "--quiet", *MODES[mode], capture]))
            med = lambda rows, k: statistics.median(r[k] for r in rows)
            w = (med(a, 0), med(b, 0)); c = (med(a, 1), med(b, 1)); r = (med(a, 2), med(b, 2))
            print(f"{os.path.basename(capture):<22} {mode:<13} {w[0]:9.3f} {w[1]:7.3f} {w[1]/w[0]:6.3f}   "
                  f"{c[0]:8.3f} {c[1]:7.3f} {c[1]/c[0]:6.3f}   {r[0]:11.1f} {r[1]:7.1f} {r[1]/r[0]:6.3f}")

main()
