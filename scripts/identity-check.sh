#!/usr/bin/env bash
# Byte-identity proof for a behaviour-preserving change: runs the base commit's tcptrace-swift and a candidate
# tcptrace-swift over the same inputs and compares, for every invocation, stdout bytes, stderr bytes and the
# exit status. Exit 0 when every invocation is identical, 1 when one differs, 2 on a usage or build error.
#
# Inputs (each with the modes listed after it; `--list` prints every invocation):
#   fixtures    every capture under Fixtures/ (Fixtures/synthetic/ too): analyze text, --long, --verbose,
#               --format json / jsonl / csv, --hosts (text, json, jsonl), the streaming ones again with
#               --order finish, --connection, --fail-on, --msl, --idle-timeout, --port-range; ladder (--color
#               never; --full; --limit), report (HTML to stdout; with --msl/--port-range; --format svg
#               --connection 1); check (text; json --verbose). The other files there (.yaml, .tsv, .md): the
#               "not a capture" error of analyze (text, json, jsonl --order finish), ladder, report and check.
#   multi-file  Fixtures/rotated-1.pcap rotated-2.pcap, the same two in reverse order, and rotated-1..3: the
#               fixture modes.
#   stdin       Fixtures/lo-ipv4.pcapng on standard input ('-'): the analyze modes, ladder, report.
#   folders     check over the folders Fixtures/ and ../shared/corpus (text; json --verbose).
#   corpus      every file of ../shared/corpus (~2,150, many malformed, plus its README/INDEX/licenses): the
#               analyze modes (text, --long, --verbose, json, jsonl, csv, --hosts text/json/jsonl), ladder,
#               report. Skipped, with a printed reason, when the folder is absent.
#   bench-gen many  a capture from the base commit's bench-gen (40,000 connections, 10 segments, 10,000 open
#               at once, 20,000/s, 1 % anomalies: the benchmark's `many` kind, smaller; first-frame order spills
#               to the spool), cached in .build-baseline/inputs/: every analyze mode with --order first-frame
#               and with --order finish, ladder, report.
#   cli         usage errors and unreadable input (missing file, bad option values, --msl 0, '-' with a
#               file, ...): exit status, stdout and the error message.
# Every analyze invocation has --quiet (and stderr is not a terminal), so no progress line is printed.
#
# Normalised: nothing in the outputs above is run-dependent (two runs of the same binary are byte-identical:
# paths are given relative to the repository root and are the same strings on both sides; the spool's temporary
# file is unlinked and never named). One normalisation: in the `cli` group, argument-parser's usage block
# (stderr from the line "Usage:" on) is cut, because it lists the options in declaration order, which moving
# options into @OptionGroups may change; the error line itself and the exit status are compared.
#
# How: the base commit (--base, default HEAD~1, the parent commit) is exported with `git archive` into
# .build-baseline/src-SHA (with this tree's Package.resolved) and built (release, tcptrace-swift and bench-gen)
# with --scratch-path .build-baseline/build; the binaries are kept in .build-baseline/bin-SHA/ and not rebuilt.
# The baseline's outputs are cached in .build-baseline/out-SHA/ (written to a temporary folder, then renamed;
# looked up by invocation and the SHA-256 of its inputs), so a second run only runs the candidate. The candidate
# is --candidate PATH, or this tree built with `swift build -c release --static-swift-stdlib --product tcptrace-swift`
# (.build/release/tcptrace-swift), or --candidate-tree DIR built the same way. Invocations run two at a time
# (--jobs), each under `timeout 120` (a timeout counts as a difference). Candidate outputs that differ are kept
# in .build-baseline/runs/TIME-PID/ with differences.tsv (delete your own when done; other runs may be writing
# theirs). Run time on this 2-core machine, shared with other builds (load 7-10): the baseline cache ~13 min
# (once per base commit), a candidate-only run ~14 min (~6.5 CPU-minutes: mostly the ~24,000 corpus invocations,
# each ~12 ms when the machine is idle); --only '^(?!corpus)' takes ~1/5 of that.
#
# Usage: scripts/identity-check.sh [--base REF] [--candidate PATH | --candidate-tree DIR] [--self-check]
#          [--jobs N] [--only REGEX] [--keep] [--show N] [--list]
#   --self-check  the base binary is also the candidate (must give 0 differences: catches nondeterminism)
#   --only REGEX  only the invocations whose id ("group | mode | input") matches (a quick partial run; Python
#                 regex, searched: e.g. --only '^(?!corpus)' for everything but the corpus, ~1/5 of the time)
#   --keep        keep every candidate output in the run folder, not only the differing ones
#   --show N      diff excerpts for the first N differences (5)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

base_ref=HEAD~1
candidate=""
candidate_tree=""
self_check=0
list=0
helper_args=()
many_connections=40000
usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --base) base_ref=${2:?--base needs a commit}; shift 2 ;;
        --candidate) candidate=${2:?--candidate needs a path}; shift 2 ;;
        --candidate-tree) candidate_tree=${2:?--candidate-tree needs a folder}; shift 2 ;;
        --self-check) self_check=1; shift ;;
        --list) list=1; shift ;;
        --jobs|--only|--show) helper_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
        --keep) helper_args+=("$1"); shift ;;
        -h|--help) usage ;;
        *) echo "identity-check: unknown argument $1" >&2; usage ;;
    esac
done

base_sha=$(git rev-parse --verify "$base_ref^{commit}") || { echo "identity-check: no commit $base_ref" >&2; exit 2; }
bb=.build-baseline
base_bin_dir=$bb/bin-$base_sha
many=$bb/inputs/many-$((many_connections / 1000))k.pcap
corpus=../shared/corpus

if [ "$list" = 1 ]; then
    exec python3 scripts/identity-check.py --base-sha "$base_sha" --list --corpus "$corpus" --many "$many" \
        ${helper_args[@]+"${helper_args[@]}"}
fi

started=$(date +%s)
mkdir -p "$bb"

# 1. The base commit's binaries.
if [ -x "$base_bin_dir/tcptrace-swift" ] && [ -x "$base_bin_dir/bench-gen" ]; then
    echo "base: $base_sha already built ($base_bin_dir)" >&2
else
    src=$bb/src-$base_sha
    if [ ! -d "$src" ]; then
        rm -rf "$src.tmp-$$" && mkdir -p "$src.tmp-$$"
        git archive "$base_sha" | tar -x -C "$src.tmp-$$"
        [ -f Package.resolved ] && [ ! -f "$src.tmp-$$/Package.resolved" ] && cp Package.resolved "$src.tmp-$$/"
        mv -T "$src.tmp-$$" "$src" 2>/dev/null || rm -rf "$src.tmp-$$"
    fi
    echo "base: building $base_sha in $src (release; scratch $bb/build)" >&2
    b0=$(date +%s)
    for product in tcptrace-swift bench-gen; do
        if ! (cd "$src" && swift build -c release --static-swift-stdlib --product "$product" --scratch-path "$root/$bb/build" 2>&1 |
              tail -3 >&2); then
            echo "identity-check: the base build ($product) failed" >&2; exit 2
        fi
    done
    rm -rf "$base_bin_dir.tmp-$$" && mkdir -p "$base_bin_dir.tmp-$$"
    cp "$bb/build/release/tcptrace-swift" "$bb/build/release/bench-gen" "$base_bin_dir.tmp-$$/"
    mv -T "$base_bin_dir.tmp-$$" "$base_bin_dir" 2>/dev/null || rm -rf "$base_bin_dir.tmp-$$"
    echo "base: built in $(( $(date +%s) - b0 )) s" >&2
fi
base_bin=$root/$base_bin_dir/tcptrace-swift

# 2. The candidate.
if [ "$self_check" = 1 ]; then
    candidate=$base_bin
elif [ -n "$candidate" ]; then
    [ -x "$candidate" ] || { echo "identity-check: $candidate is not an executable" >&2; exit 2; }
    candidate=$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")
else
    tree=${candidate_tree:-$root}
    echo "candidate: building $tree (swift build -c release --static-swift-stdlib --product tcptrace-swift)" >&2
    c0=$(date +%s)
    if ! (cd "$tree" && swift build -c release --static-swift-stdlib --product tcptrace-swift 2>&1 | tail -3 >&2); then
        echo "identity-check: the candidate build in $tree failed" >&2; exit 2
    fi
    candidate=$(cd "$tree" && pwd)/.build/release/tcptrace-swift
    echo "candidate: built in $(( $(date +%s) - c0 )) s" >&2
fi

# 3. The bench-gen `many` capture (made once, by the base's bench-gen; its path is part of the output).
if [ ! -s "$many" ]; then
    mkdir -p "$bb/inputs"
    echo "input: generating $many" >&2
    "$base_bin_dir/bench-gen" "$bb/inputs/many.tmp-$$.pcap" --connections "$many_connections" --segments 10 \
        --concurrency 10000 --rate 20000 --anomalies 0.01 | cut -c1-160 >&2
    mv "$bb/inputs/many.tmp-$$.pcap" "$many"
    mv "$bb/inputs/many.tmp-$$.truth.json" "${many%.pcap}.truth.json"
fi
[ -d "$corpus" ] || echo "corpus: $corpus is absent: skipped" >&2

# 4. Run and compare.
status=0
python3 scripts/identity-check.py --base-sha "$base_sha" --base-bin "$base_bin" --candidate "$candidate" \
    --cache "$bb/out-$base_sha" --corpus "$corpus" --many "$many" ${helper_args[@]+"${helper_args[@]}"} || status=$?
echo "identity-check: $(( $(date +%s) - started )) s in all (builds included)"
exit "$status"
