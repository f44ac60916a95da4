#!/usr/bin/env bash
# Installs what building and testing tcptrace-swift needs on Debian/Ubuntu when it is missing:
# libpcap-dev (headers + pkg-config file) and pkg-config, and the Python packages the tests use (below).
# Needs root (or sudo) only when a system package is missing. With everything present it only looks (about 0.3 s).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists libpcap 2>/dev/null && [ ! -f /usr/include/pcap/pcap.h ]; then missing+=(libpcap-dev); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python packages, each installed only when it does not import. A failed install (no network) is a warning, not an
# error: the test that needs the package says it skips, and why. One-time cost on this machine (pip, PyPI wheels):
#   duckdb       4 s   (one wheel, no dependencies)                        scripts/fleet-check.py, docs/fleet.md
#   communityid  2 s   (pure Python, no dependencies)                      Community ID reference values
#   zat         13 s   (pulls pandas, scikit-learn, joblib, watchdog, ...; about 135 MB with scipy already there)
#                      reads Zeek TSV logs. parsezeeklogs (pure Python, no dependencies) is the lighter reader.
python_packages=(duckdb communityid zat)
pip_install() {
    local out
    out=$(PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check "$1" 2>&1) && return 0
    if grep -q externally-managed-environment <<<"$out"; then
        # Debian's system Python (PEP 668): there is no other Python for the tests to run under.
        out=$(PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
            --break-system-packages "$1" 2>&1) && return 0
    fi
    printf '%s\n' "$out" | tail -n 3 >&2
    return 1
}
if command -v python3 >/dev/null 2>&1; then
    py_missing=()
    for package in "${python_packages[@]}"; do
        python3 -c "import $package" >/dev/null 2>&1 || py_missing+=("$package")
    done
    if [ ${#py_missing[@]} -gt 0 ]; then
        if ! python3 -m pip --version >/dev/null 2>&1; then
            echo "installing: python3-pip" >&2
            { $SUDO apt-get update -qq &&
                DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-pip >/dev/null; } ||
                echo "warning: python3-pip could not be installed" >&2
        fi
        for package in "${py_missing[@]}"; do
            echo "installing Python package: $package" >&2
            pip_install "$package" ||
                echo "warning: the Python package $package could not be installed; the tests that need it skip" >&2
        done
    fi
else
    echo "warning: python3 is not on PATH; the Python-based checks skip" >&2
fi

command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH: install Swift 6 (https://www.swift.org/install/)" >&2; exit 2; }
