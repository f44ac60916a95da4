#!/usr/bin/env bash
# Installs what building and testing tcptrace-swift needs on Debian/Ubuntu when it is missing:
# libpcap-dev (headers + pkg-config file) and pkg-config. Needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists libpcap 2>/dev/null && [ ! -f /usr/include/pcap/pcap.h ]; then missing+=(libpcap-dev); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not on PATH: install Swift 6 (https://www.swift.org/install/)" >&2; exit 2; }
