#!/usr/bin/env python3
"""The job list, runner and comparison of scripts/identity-check.sh (read its header first).

Called by the shell script with the binaries already built; python3 standard library only.

A job is one invocation: a subcommand with its options over one input (one file, several files, or standard
input). Both binaries run every job with the same argument strings, the same working directory (the repository
root) and the same small environment, so a relative path printed in the output is the same on both sides. The
baseline's stdout, stderr and exit status are cached per base commit in .build-baseline/out-SHA/ (written into
a temporary folder, then renamed); a job is looked up by its id and the SHA-256 of its input files, so a job
added to the list, or an input that changed, runs on the baseline again and the rest is reused.
"""
import argparse
import concurrent.futures as cf
import difflib
import gzip
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

TIMEOUT = 120          # seconds per invocation (coreutils timeout; exit 124 counts as a difference)
GZIP_ABOVE = 1 << 20   # cached outputs larger than this are stored gzip-compressed
TIMED_OUT = 124

# --- the job list --------------------------------------------------------------------------------------------

ANALYZE = ["analyze", "--quiet"]
# Every output of `analyze` (the streaming path, except --verbose which keeps timelines).
ANALYZE_MODES = [
    ("text", []),
    ("long", ["--long"]),
    ("verbose", ["--verbose"]),
    ("json", ["--format", "json"]),
    ("jsonl", ["--format", "jsonl"]),
    ("csv", ["--format", "csv"]),
    ("hosts", ["--hosts"]),
    ("hosts-json", ["--hosts", "--format", "json"]),
    ("hosts-jsonl", ["--hosts", "--format", "jsonl"]),
]
STREAMING = [m for m in ANALYZE_MODES if m[0] != "verbose"]
LADDER = ("ladder", ["ladder", "--color", "never"])
REPORT = ("report", ["report", "-o", "-"])


def analyze_modes(order=None, include=ANALYZE_MODES):
    """analyze modes; order None = the default order (no --order option)."""
    extra = [] if order is None else ["--order", order]
    suffix = "" if order is None else f"@{order}"
    return [(name + suffix, ANALYZE + opts + extra) for name, opts in include]


# Modes for our own small captures (Fixtures/, the multi-file inputs): everything, including the shared options
# other than their defaults (--msl, --port-range, --idle-timeout, --fail-on, --connection) and `check`.
FIXTURE_MODES = (
    analyze_modes()
    + analyze_modes("finish", STREAMING)
    + [
        ("timeline-1", ANALYZE + ["--connection", "1", "--connection", "1000000"]),
        ("fail-on-info", ANALYZE + ["--fail-on", "info"]),
        ("msl-1-jsonl", ANALYZE + ["--msl", "1", "--format", "jsonl"]),
        ("idle-1-jsonl", ANALYZE + ["--idle-timeout", "1", "--format", "jsonl"]),
        ("idle-1-jsonl@finish", ANALYZE + ["--idle-timeout", "1", "--format", "jsonl", "--order", "finish"]),
        ("port-range-hosts", ANALYZE + ["--hosts", "--port-range", "40000-40010", "--msl", "5"]),
        LADDER,
        ("ladder-full", ["ladder", "--color", "never", "--full"]),
        ("ladder-limit-1-msl-1", ["ladder", "--color", "never", "--limit", "1", "--msl", "1"]),
        REPORT,
        ("report-msl-1-port-range", ["report", "-o", "-", "--msl", "1", "--port-range", "40000-40010"]),
        ("report-svg-1", ["report", "--format", "svg", "--connection", "1", "-o", "-"]),
        ("check", ["check"]),
        ("check-json-verbose", ["check", "--format", "json", "--verbose"]),
    ]
)
NOT_CAPTURE_MODES = {"text", "json", "jsonl@finish", "ladder", "report", "check"}
CORPUS_MODES = analyze_modes() + [LADDER, REPORT]
MANY_MODES = analyze_modes("first-frame") + analyze_modes("finish") + [LADDER, REPORT]
STDIN_MODES = analyze_modes() + [LADDER, REPORT]


def usage_cut(data: bytes) -> bytes:
    """argument-parser's usage block (from the line "Usage:" on), which lists the options in declaration order."""
    return re.sub(rb"(?ms)^Usage:.*", b"", data)


class Job:
    __slots__ = ("id", "group", "mode", "label", "argv", "stdin", "inputs", "normalize_err", "key", "file", "weight")

    def __init__(self, group, mode, label, argv, inputs, stdin=None, normalize_err=None, weight=0):
        self.group, self.mode, self.label = group, mode, label
        self.id = f"{group} | {mode} | {label}"
        self.argv, self.inputs, self.stdin = argv, inputs, stdin
        self.normalize_err = normalize_err
        self.weight = weight   # larger runs first, so a slow job does not trail at the end
        self.file = hashlib.sha1(self.id.encode()).hexdigest()[:20]
        self.key = None

    def command(self):
        line = "tcptrace-swift " + " ".join(shq(a) for a in self.argv)
        return line + (f" < {shq(self.stdin)}" if self.stdin else "")


def shq(s):
    return s if re.fullmatch(r"[\w@%+=:,./-]+", s) else "'" + s.replace("'", "'\\''") + "'"


def files_under(folder):
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        out += [os.path.join(dirpath, f) for f in sorted(filenames)]
    return sorted(out)


def build_jobs(args):
    """(jobs, notes): notes are the printed reasons for what was skipped."""
    jobs, notes = [], []
    fixtures = files_under("Fixtures")
    for f in fixtures:
        # The .yaml/.tsv/.md files beside the captures: each subcommand's "not a capture" error once.
        capture = f.endswith((".pcap", ".pcapng"))
        for mode, argv in FIXTURE_MODES if capture else [m for m in FIXTURE_MODES if m[0] in NOT_CAPTURE_MODES]:
            jobs.append(Job("fixtures" if capture else "fixture-other", mode, f, argv + [f], [f]))
    rotated = [f"Fixtures/rotated-{i}.pcap" for i in (1, 2, 3)]
    for files in (rotated[:2], rotated[1::-1], rotated):
        if all(os.path.exists(f) for f in files):
            for mode, argv in FIXTURE_MODES:
                jobs.append(Job("multi-file", mode, " ".join(files), argv + files, files))
    stdin_file = "Fixtures/lo-ipv4.pcapng"
    if os.path.exists(stdin_file):
        for mode, argv in STDIN_MODES:
            jobs.append(Job("stdin", mode, f"- < {stdin_file}", argv + ["-"], [stdin_file], stdin=stdin_file))
    # `check` over whole folders (the folder walk, the sorting, the sidecar lookup, the default policy).
    folders = ["Fixtures"] + ([args.corpus] if os.path.isdir(args.corpus) else [])
    for folder in folders:
        inputs = files_under(folder)
        for mode, argv in [("check-folder", ["check"]), ("check-folder-json-verbose", ["check", "--format", "json",
                                                                                          "--verbose"])]:
            jobs.append(Job("folders", mode, folder, argv + [folder], inputs, weight=len(inputs)))
    if os.path.isdir(args.corpus):
        corpus = files_under(args.corpus)
        for f in corpus:
            for mode, argv in CORPUS_MODES:
                jobs.append(Job("corpus", mode, f, argv + [f], [f]))
    else:
        notes.append(f"corpus: skipped, {args.corpus} is absent")
    if args.many:
        for mode, argv in MANY_MODES:
            w = 1000 if mode.startswith(("long", "verbose", "hosts-json")) else 100
            jobs.append(Job("bench-gen many", mode, args.many, argv + [args.many], [args.many], weight=w))
    else:
        notes.append("bench-gen many: skipped (no capture given)")
    # Usage errors and unreadable input: exit status and message (argument-parser's usage block is cut, see
    # the header of identity-check.sh).
    lo = "Fixtures/lo-ipv4.pcap"
    cli = [
        ("no-files", ["analyze"]),
        ("missing-file", ["analyze", "--quiet", "Fixtures/does-not-exist.pcap"]),
        ("msl-0", ["analyze", "--msl", "0", lo]),
        ("msl-nan", ["analyze", "--msl", "nan", lo]),
        ("stdin-and-file", ["analyze", "-", lo]),
        ("bad-format", ["analyze", "--format", "xml", lo]),
        ("bad-order", ["analyze", "--order", "random", lo]),
        ("bad-port-range", ["analyze", "--port-range", "5-1", lo]),
        ("bad-fail-on", ["analyze", "--fail-on", "fatal", lo]),
        ("unknown-option", ["analyze", "--no-such-option", lo]),
        ("ladder-limit-0", ["ladder", "--limit", "0", lo]),
        ("ladder-bad-color", ["ladder", "--color", "sometimes", lo]),
        ("ladder-missing-connection", ["ladder", "--color", "never", "--connection", "99", lo]),
        ("report-svg-without-connection", ["report", "--format", "svg", lo]),
        ("report-svg-no-such-connection", ["report", "--format", "svg", "--connection", "99", "-o", "-", lo]),
        ("report-unwritable", ["report", "-o", "/nonexistent-dir/r.html", lo]),
        ("report-msl-0", ["report", "--msl", "0", "-o", "-", lo]),
        ("check-force-without-init", ["check", "--force", lo]),
        ("check-no-captures", ["check", "Fixtures/synthetic/does-not-exist-folder/"]),
        ("check-missing-expect", ["check", "--expect", "Fixtures/no-such.expect.yaml", lo]),
        ("check-expect-not-yaml", ["check", "--expect", "Fixtures/expected.tsv", lo]),
        ("no-subcommand", []),
        ("unknown-subcommand", ["frobnicate"]),
    ]
    for mode, argv in cli:
        jobs.append(Job("cli", mode, "usage errors", argv, [lo] if os.path.exists(lo) else [],
                        normalize_err=usage_cut))
    if args.only:
        rx = re.compile(args.only)
        jobs = [j for j in jobs if rx.search(j.id)]
    ids = [j.id for j in jobs]
    dup = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
    if dup:
        sys.exit(f"identity-check: duplicate job ids: {sorted(dup)[:3]}")
    return jobs, notes


def hash_inputs(jobs):
    cache = {}

    def digest(path):
        if path not in cache:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            cache[path] = h.hexdigest()
        return cache[path]

    for j in jobs:
        h = hashlib.sha256(j.id.encode())
        for p in j.inputs:
            h.update(digest(p).encode())
        j.key = h.hexdigest()


# --- running ---------------------------------------------------------------------------------------------------

def env_for(tmp):
    # The same small environment on both sides (no NO_COLOR, no locale, no terminal).
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"), "TMPDIR": tmp}


def file_digest(path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            n += len(block)
    return h.hexdigest(), n


def run_job(binary, job, folder, tmp):
    """Runs one job; returns a record {rc, out:{sha,size,name}, err:{...}, seconds}. Outputs stay in folder."""
    out_path = os.path.join(folder, job.file + ".out")
    err_path = os.path.join(folder, job.file + ".err")
    start = time.time()
    with open(out_path, "wb") as o, open(err_path, "wb") as e:
        stdin = open(job.stdin, "rb") if job.stdin else subprocess.DEVNULL
        try:
            rc = subprocess.run(["timeout", str(TIMEOUT), binary] + job.argv, stdin=stdin, stdout=o, stderr=e,
                                cwd=".", env=env_for(tmp)).returncode
        finally:
            if job.stdin:
                stdin.close()
    seconds = time.time() - start
    if job.normalize_err:
        with open(err_path, "rb") as f:
            data = job.normalize_err(f.read())
        with open(err_path, "wb") as f:
            f.write(data)
    rec = {"id": job.id, "key": job.key, "rc": rc, "seconds": round(seconds, 3)}
    for name, path in (("out", out_path), ("err", err_path)):
        sha, size = file_digest(path)
        rec[name] = {"sha": sha, "size": size, "name": os.path.basename(path)}
    return rec


def compress(folder, rec):
    for part in ("out", "err"):
        entry = rec[part]
        if entry["size"] > GZIP_ABOVE:
            src = os.path.join(folder, entry["name"])
            with open(src, "rb") as f, gzip.open(src + ".gz", "wb", compresslevel=1) as g:
                shutil.copyfileobj(f, g, 1 << 20)
            os.unlink(src)
            entry["name"] += ".gz"


def run_all(binary, jobs, folder, tmp, jobs_n, label, on_done):
    """Runs jobs two (jobs_n) at a time, slow ones first; on_done(job, rec) in the calling thread."""
    order = sorted(jobs, key=lambda j: -j.weight)
    total, done, last = len(order), 0, time.time()
    start = time.time()
    with cf.ThreadPoolExecutor(max_workers=jobs_n) as pool:
        futures = {pool.submit(run_job, binary, j, folder, tmp): j for j in order}
        for fut in cf.as_completed(futures):
            job = futures[fut]
            on_done(job, fut.result())
            done += 1
            if time.time() - last > 30 or done == total:
                last = time.time()
                print(f"  {label}: {done}/{total} invocations, {time.time() - start:.0f} s", file=sys.stderr,
                      flush=True)


# --- the baseline cache --------------------------------------------------------------------------------------

def load_manifest(cache):
    path = os.path.join(cache, "manifest.jsonl")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["key"]: r for r in map(json.loads, f)}


def ensure_baseline(args, jobs, tmp):
    """Returns (manifest by key, cache folder, records of baseline runs that timed out, seconds, ran)."""
    cache = args.cache
    manifest = load_manifest(cache) if os.path.isdir(cache) else {}
    missing = [j for j in jobs if j.key not in manifest]
    if not missing:
        print(f"baseline: all {len(jobs)} outputs cached in {cache}", file=sys.stderr)
        return manifest, cache, {}, 0.0, 0
    print(f"baseline: running {len(missing)} of {len(jobs)} invocations ({len(jobs) - len(missing)} cached) "
          f"into {cache}", file=sys.stderr, flush=True)
    start = time.time()
    work = f"{cache}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    kept = {}
    for key, rec in manifest.items():   # reuse (hard links) what is cached
        for part in ("out", "err"):
            os.link(os.path.join(cache, rec[part]["name"]), os.path.join(work, rec[part]["name"]))
        kept[key] = rec
    timed_out = {}

    def done(job, rec):
        if rec["rc"] == TIMED_OUT:   # not cached: a loaded machine should not make a lasting baseline
            timed_out[job.key] = rec
            return
        compress(work, rec)
        kept[job.key] = rec

    run_all(args.base_bin, missing, work, tmp, args.jobs, "baseline", done)
    with open(os.path.join(work, "manifest.jsonl"), "w") as f:
        for rec in kept.values():
            f.write(json.dumps(rec, sort_keys=True) + "\n")
    with open(os.path.join(work, "README"), "w") as f:
        f.write(f"Outputs of {args.base_bin} (base {args.base_sha}) for scripts/identity-check.sh.\n"
                "manifest.jsonl: one invocation a line (id, key = SHA-256 of id and inputs, rc, stdout/stderr "
                "SHA-256, size and file; files over 1 MiB are gzip-compressed).\n")
    old = f"{cache}.old-{os.getpid()}"
    if os.path.isdir(cache):
        os.rename(cache, old)
    os.rename(work, cache)
    shutil.rmtree(old, ignore_errors=True)
    # Files are now under cache: the manifest's names are relative to it.
    return kept, cache, timed_out, time.time() - start, len(missing)


# --- comparing -----------------------------------------------------------------------------------------------

def open_text(path):
    return gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")


def excerpt(base_path, cand_path, lines=24):
    """A short unified diff (small files) or the first differing line with context (large files)."""
    small = os.path.getsize(base_path) < (2 << 20) and os.path.getsize(cand_path) < (2 << 20) \
        and not base_path.endswith(".gz")
    cut = lambda b: b.decode("utf-8", "replace").rstrip("\n")[:220]
    if small:
        with open_text(base_path) as a, open_text(cand_path) as b:
            al, bl = a.read().splitlines(), b.read().splitlines()
        diff = list(difflib.unified_diff([cut(x) for x in al], [cut(x) for x in bl], "baseline", "candidate",
                                         n=2, lineterm=""))
        if not diff:
            return ["(same lines; the bytes differ in line endings or a final newline)"]
        return diff[:lines] + ([f"... ({len(diff) - lines} more diff lines)"] if len(diff) > lines else [])
    with open_text(base_path) as a, open_text(cand_path) as b:
        before = []
        for n, (x, y) in enumerate(itertools.zip_longest(a, b), 1):
            if x != y:
                out = [f"first difference at line {n}:"] + ["  " + cut(l) for l in before]
                rest_a = [x] + [l for _, l in zip(range(4), a)]
                rest_b = [y] + [l for _, l in zip(range(4), b)]
                out += ["- " + cut(l) for l in rest_a if l is not None]
                out += ["+ " + cut(l) for l in rest_b if l is not None]
                return out
            before = (before + [x])[-2:]
    return ["(no differing line found)"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-sha", required=True)
    p.add_argument("--base-bin")
    p.add_argument("--candidate")
    p.add_argument("--cache")
    p.add_argument("--corpus", default="../shared/corpus")
    p.add_argument("--many")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--only")
    p.add_argument("--list", action="store_true")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--show", type=int, default=5)
    args = p.parse_args()

    jobs, notes = build_jobs(args)
    groups = {}
    for j in jobs:
        g = groups.setdefault(j.group, {"inputs": set(), "modes": set(), "jobs": 0})
        g["inputs"].add(j.label)
        g["modes"].add(j.mode)
        g["jobs"] += 1
    summary = [f"  {name:15} {len(g['inputs']):5} inputs x {len(g['modes']):2} modes = {g['jobs']:6} invocations"
               for name, g in groups.items()]
    if args.list:
        for j in jobs:
            print(f"{j.group}\t{j.mode}\t{j.command()}")
        print(f"{len(jobs)} invocations:", file=sys.stderr)
        print("\n".join(summary + [f"  {n}" for n in notes]), file=sys.stderr)
        for name in groups:
            modes = sorted(groups[name]["modes"])
            print(f"  {name} modes: {', '.join(modes)}", file=sys.stderr)
        return 0

    t0 = time.time()
    hash_inputs(jobs)
    tmp_root = os.path.join(os.path.dirname(os.path.abspath(args.cache)), "tmp")
    os.makedirs(tmp_root, exist_ok=True)
    tmp = os.path.join(tmp_root, f"run-{os.getpid()}")
    os.makedirs(tmp, exist_ok=True)
    try:
        return compare(args, jobs, summary, notes, tmp, t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compare(args, jobs, summary, notes, tmp, t0):
    manifest, cache, base_timeouts, base_seconds, base_ran = ensure_baseline(args, jobs, tmp)

    runs = os.path.join(os.path.dirname(os.path.abspath(args.cache)), "runs")
    run_dir = os.path.join(runs, time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}")
    os.makedirs(run_dir)
    differ = []   # (job, reasons, base rec, cand rec)
    lock = threading.Lock()

    def done(job, rec):
        base = manifest.get(job.key) or base_timeouts.get(job.key)
        reasons = []
        if base["rc"] == TIMED_OUT or rec["rc"] == TIMED_OUT:
            reasons.append(f"timed out ({TIMEOUT} s): baseline rc {base['rc']}, candidate rc {rec['rc']}")
        if base["rc"] != rec["rc"]:
            reasons.append(f"exit status {base['rc']} -> {rec['rc']}")
        for part, what in (("out", "stdout"), ("err", "stderr")):
            if base[part]["sha"] != rec[part]["sha"]:
                reasons.append(f"{what} ({base[part]['size']} -> {rec[part]['size']} bytes)")
        if reasons:
            with lock:
                differ.append((job, reasons, base, rec))
        elif not args.keep:
            for part in ("out", "err"):
                os.unlink(os.path.join(run_dir, rec[part]["name"]))

    print(f"candidate: {args.candidate}", file=sys.stderr, flush=True)
    c0 = time.time()
    run_all(args.candidate, jobs, run_dir, tmp, args.jobs, "candidate", done)
    cand_seconds = time.time() - c0

    position = {j.id: i for i, j in enumerate(jobs)}
    differ.sort(key=lambda d: position[d[0].id])
    print()
    print(f"identity-check: base {args.base_sha[:12]} ({args.base_bin})")
    print(f"                candidate {args.candidate}")
    print(f"compared {len(jobs)} invocations (stdout bytes, stderr bytes, exit status):")
    print("\n".join(summary + [f"  {n}" for n in notes]))
    by_group = {}
    for job, *_ in differ:
        by_group[job.group] = by_group.get(job.group, 0) + 1
    print(f"differ: {len(differ)}" + (" (" + ", ".join(f"{g} {n}" for g, n in by_group.items()) + ")"
                                      if differ else ""))
    for job, reasons, base, rec in differ[:args.show]:
        print(f"\n--- {job.group} | {job.mode} | {job.label}")
        print(f"    {job.command()}")
        print(f"    differs in: {'; '.join(reasons)}")
        for part in ("out", "err"):
            if base[part]["sha"] != rec[part]["sha"] and base.get("key") in manifest:
                for line in excerpt(os.path.join(cache, base[part]["name"]), os.path.join(run_dir, rec[part]["name"])):
                    print(f"    {line}")
    if len(differ) > args.show:
        print(f"\n... and {len(differ) - args.show} more:")
        for job, reasons, *_ in differ[args.show:args.show + 40]:
            print(f"  {job.id}: {'; '.join(reasons)}")
        if len(differ) > args.show + 40:
            print(f"  ... ({len(differ) - args.show - 40} more in {run_dir}/differences.tsv)")
    if differ or args.keep:
        with open(os.path.join(run_dir, "differences.tsv"), "w") as f:
            f.write("id\treasons\tcommand\tbaseline stdout\tcandidate stdout\tbaseline stderr\tcandidate stderr\n")
            for job, reasons, base, rec in differ:
                f.write("\t".join([job.id, "; ".join(reasons), job.command(),
                                   os.path.join(cache, base["out"]["name"]), os.path.join(run_dir, rec["out"]["name"]),
                                   os.path.join(cache, base["err"]["name"]),
                                   os.path.join(run_dir, rec["err"]["name"])]) + "\n")
        print(f"\ncandidate outputs that differ, and differences.tsv: {run_dir}")
    else:
        os.rmdir(run_dir)
    base_note = f"baseline {base_seconds:.0f} s ({base_ran} run)" if base_ran else "baseline cached"
    print(f"time: {base_note}, candidate {cand_seconds:.0f} s, total {time.time() - t0:.0f} s "
          f"({args.jobs} at a time)")
    print("IDENTICAL" if not differ else "DIFFERENT")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
