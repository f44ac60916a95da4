#!/usr/bin/env bash
# Record the timing captures under Fixtures/timing/ (issue #23): real kernel TCP traffic, captured on the
# sender's own veth, plus the sender's TCP_INFO counters as proof for a wire-based "where did the time go".
#
#   sudo bash scripts/timing-captures.sh              # every scenario
#   sudo bash scripts/timing-captures.sh lossy        # one (or several) by name
#   bash scripts/timing-captures.sh --list            # the names
#   sudo TM_OUT=/tmp/tm bash scripts/timing-captures.sh   # trial run into another directory
#
# For each scenario NAME: Fixtures/timing/NAME.pcap and NAME.kernel.json (see Fixtures/timing/README.md).
# The NAME.expect.yaml sidecars there are hand-written (properties a regeneration keeps); this script leaves them.
# Needs root, tcpdump, tshark, iptables, ip, ethtool, python3.  All traffic stays inside the network
# namespaces this script creates (fx-tcli, fx-trtr, fx-tsrv; addresses 10.98.x.y); the namespaces and
# every process started here are removed on exit (trap, also on error / Ctrl-C).
#
# Topology: fx-tcli (cli0 10.98.1.2) -- (rtr1 10.98.1.1) fx-trtr (rtr2 10.98.2.1) -- (srv0 10.98.2.2) fx-tsrv
# Offloads (TSO/GSO/GRO) off on all four veth ends; fixed MACs; static neighbours.  The link delay is an
# NFQUEUE hold in fx-trtr (scripts/nfqdelay.py: this kernel has no netem), 10 ms for every forwarded TCP
# packet in each direction (RTT ~ 20 ms).  Loss and blackout are iptables DROP rules in fx-trtr's FORWARD
# chain, ahead of the NFQUEUE rule.  The server (fx-tsrv, port 8080) is the side whose TCP_INFO is read
# (scripts/timingapp.py); the capture is `tcpdump -s 128 -w F tcp` on srv0, inside fx-tsrv.
#
# Each scenario's result is checked (check_NAME below); one that does not show what it should is
# recorded again, up to $TM_TRIES times, and then kept with a warning.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
OUT="${TM_OUT:-$ROOT/Fixtures/timing}"
APP=(python3 "$HERE/timingapp.py")
TM_TRIES=${TM_TRIES:-3}
PORT=8080
CLI=10.98.1.2 SRV=10.98.2.2
DELAY_MS=10
LOSS=0.02
BLACKOUT_S=1.5

ALL=(slow-reader app-limited lossy think-time delayed-close blackout)
declare -A SPORT=([slow-reader]=42001 [app-limited]=42002 [lossy]=42003 [think-time]=42004
                  [delayed-close]=42005 [blackout]=42006)

log() { printf '\033[1m[timing]\033[0m %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup ---
PIDS=()
NAMESPACES=()
WORK=""
cleanup() {
    local p ns
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    [ ${#PIDS[@]} -gt 0 ] && sleep 0.3
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    PIDS=()
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
    NAMESPACES=()
}
on_exit() { cleanup; [ -n "$WORK" ] && rm -rf "$WORK"; }
trap on_exit EXIT
trap 'exit 130' INT TERM

bg() { "$@" & LAST=$!; PIDS+=("$LAST"); }
reap() {
    local p=$1 rc=0 q keep=()
    wait "$p" || rc=$?
    for q in "${PIDS[@]}"; do [ "$q" != "$p" ] && keep+=("$q"); done
    PIDS=("${keep[@]}")
    return $rc
}
stop() { kill -"${2:-INT}" "$1" 2>/dev/null; reap "$1" 2>/dev/null; return 0; }

# ------------------------------------------------------------- namespaces ---
mkns() {
    local ns=$1
    ip netns del "$ns" 2>/dev/null
    ip netns add "$ns" || die "ip netns add $ns"
    NAMESPACES+=("$ns")
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
}
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
no_offload() {
    local ns=$1 i; shift
    for i in "$@"; do
        nsx "$ns" ethtool -K "$i" tso off gso off gro off 2>/dev/null || die "ethtool -K $i tso off gso off gro off"
    done
}
topo() {
    mkns fx-tcli; mkns fx-trtr; mkns fx-tsrv
    ip link add cli0 netns fx-tcli address 02:98:01:00:00:02 type veth peer name rtr1 netns fx-trtr address 02:98:01:00:00:01
    ip link add rtr2 netns fx-trtr address 02:98:02:00:00:01 type veth peer name srv0 netns fx-tsrv address 02:98:02:00:00:02
    ip -n fx-tcli addr add $CLI/24 dev cli0
    ip -n fx-trtr addr add 10.98.1.1/24 dev rtr1
    ip -n fx-trtr addr add 10.98.2.1/24 dev rtr2
    ip -n fx-tsrv addr add $SRV/24 dev srv0
    ip -n fx-tcli link set cli0 up; ip -n fx-trtr link set rtr1 up
    ip -n fx-trtr link set rtr2 up; ip -n fx-tsrv link set srv0 up
    ip -n fx-tcli route add default via 10.98.1.1
    ip -n fx-tsrv route add default via 10.98.2.1
    nsx fx-trtr sysctl -qw net.ipv4.ip_forward=1
    ip -n fx-tcli neigh replace 10.98.1.1 lladdr 02:98:01:00:00:01 dev cli0 nud permanent
    ip -n fx-trtr neigh replace $CLI lladdr 02:98:01:00:00:02 dev rtr1 nud permanent
    ip -n fx-trtr neigh replace $SRV lladdr 02:98:02:00:00:02 dev rtr2 nud permanent
    ip -n fx-tsrv neigh replace 10.98.2.1 lladdr 02:98:02:00:00:01 dev srv0 nud permanent
    no_offload fx-tcli cli0; no_offload fx-trtr rtr1 rtr2; no_offload fx-tsrv srv0
}
delay_rtr() {  # every TCP packet fx-trtr forwards is held DELAY_MS (NFQUEUE + nfqdelay.py)
    local i
    DELAY=$DELAY_MS
    nsx fx-trtr iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 || die iptables
    rm -f "$WORK/nfq-ready"
    bg ip netns exec fx-trtr python3 "$HERE/nfqdelay.py" --queue 0 --delay-ms "$DELAY_MS" --ready "$WORK/nfq-ready"
    NFQ=$LAST
    for i in $(seq 100); do [ -e "$WORK/nfq-ready" ] && return 0; sleep 0.05; done
    die "nfqdelay did not start"
}

capture() {  # capture FILE : tcpdump on srv0 in fx-tsrv (the server = the TCP_INFO side); sets CAP
    bg ip netns exec fx-tsrv tcpdump -U -Z root -s 128 -i srv0 -w "$1" tcp 2>>"$WORK/tcpdump.log"
    CAP=$LAST
    sleep 1
}
server() {  # server NAME JSON [args] ; sets SERVER
    local name=$1 json=$2 i; shift 2
    rm -f "$WORK/ready"
    bg ip netns exec fx-tsrv "${APP[@]}" server --scenario "$name" --addr $SRV --port $PORT \
        --json "$json" --ready "$WORK/ready" "$@"
    SERVER=$LAST
    for i in $(seq 100); do [ -e "$WORK/ready" ] && return 0; sleep 0.05; done
    die "server did not start"
}
client_bg() {  # client_bg NAME ; sets CLIENT
    bg ip netns exec fx-tcli "${APP[@]}" client --scenario "$1" --addr $SRV --port $PORT --src-port "${SPORT[$1]}"
    CLIENT=$LAST
}
rule_hits() { nsx fx-trtr iptables -L FORWARD -v -x -n | awk -v t="$1" '$0 ~ t {print $1}'; }

# --------------------------------------------------------------- scenarios ---
# Every scenario: topology, 10 ms each way, capture, server, client, wait, stop the capture.
# EXTRA: key=value pairs merged into NAME.kernel.json by run_one.
run_plain() {  # run_plain NAME PCAP JSON [nodelay]
    local name=$1 pcap=$2 json=$3
    topo
    if [ "${4:-}" = nodelay ]; then DELAY=0; else delay_rtr; fi
    capture "$pcap"
    server "$name" "$json"
    client_bg "$name"
    reap "$CLIENT"; reap "$SERVER"
    sleep 1; stop "$CAP"
    [ -n "$NFQ" ] && stop "$NFQ" TERM
}
# no link delay here: the sender refills the window as soon as the reader opens it, so the window closes
case_slow-reader()   { run_plain "$@" nodelay; EXTRA+=(client_so_rcvbuf_requested=16384 client_read_size=4096 client_sleep_per_read_s=0.008 client_pause_every_bytes=262144 client_pause_s=0.25); }
case_app-limited()   { run_plain "$@"; }
case_think-time()    { run_plain "$@"; }
case_delayed-close() { run_plain "$@"; }
case_lossy() {
    local name=$1 pcap=$2 json=$3 n
    topo
    nsx fx-trtr iptables -A FORWARD -p tcp -s $SRV --sport $PORT -d $CLI -m length --length 200:65535 \
        -m statistic --mode random --probability $LOSS -m comment --comment tmloss -j DROP || die iptables
    delay_rtr
    capture "$pcap"
    server "$name" "$json"
    client_bg "$name"
    reap "$CLIENT"; reap "$SERVER"
    sleep 1; stop "$CAP"
    stop "$NFQ" TERM
    n=$(rule_hits tmloss)
    log "  the loss rule dropped ${n:-?} data packet(s)"
    EXTRA+=(loss_probability=$LOSS "loss_direction=data only: server->client, IP length >= 200 (no pure ACKs, SYNs, bare FINs)"
            router_dropped_packets=${n:-null})
}
case_blackout() {
    local name=$1 pcap=$2 json=$3 i n t_on t_off
    topo; delay_rtr
    capture "$pcap"
    rm -f "$WORK/mark"
    server "$name" "$json" --mark "$WORK/mark"
    client_bg "$name"
    for i in $(seq 1000); do [ -e "$WORK/mark" ] && break; sleep 0.005; done
    [ -e "$WORK/mark" ] || log "  WARNING: no mark from the server"
    # both directions, everything between the two (inserted ahead of the NFQUEUE rule)
    nsx fx-trtr iptables -I FORWARD 1 -s $SRV -d $CLI -m comment --comment tmblack -j DROP
    nsx fx-trtr iptables -I FORWARD 1 -s $CLI -d $SRV -m comment --comment tmblack -j DROP
    t_on=$(date +%s.%N)
    sleep $BLACKOUT_S
    nsx fx-trtr iptables -D FORWARD -s $CLI -d $SRV -m comment --comment tmblack -j DROP
    t_off=$(date +%s.%N)
    n=$(rule_hits tmblack)
    nsx fx-trtr iptables -D FORWARD -s $SRV -d $CLI -m comment --comment tmblack -j DROP
    log "  blackout ${t_on} .. ${t_off}, dropped (server->client rule) ${n:-?} packet(s)"
    reap "$CLIENT"; reap "$SERVER"
    sleep 1; stop "$CAP"
    stop "$NFQ" TERM
    EXTRA+=(blackout_configured_s=$BLACKOUT_S blackout_start_epoch=$t_on blackout_end_epoch=$t_off
            "blackout_measured_s=$(python3 -c "print(round($t_off - $t_on, 6))")"
            router_dropped_server_to_client=${n:-null})
}

# ------------------------------------------------------------------ checks ---
jget() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print(json.dumps(v))' "$1" "$2"; }
# On a sender-side capture tshark flags a retransmission sent within ~an RTT of the highest segment
# as "Out-Of-Order" instead of "Retransmission": both count here.
retrans() { tshark -r "$1" -Y "tcp.analysis.retransmission or tcp.analysis.out_of_order" 2>/dev/null | wc -l; }
datasegs() { tshark -r "$1" -Y "tcp.srcport == $PORT && tcp.len > 0" 2>/dev/null | wc -l; }
check() {  # check NAME PCAP JSON : does the capture + counters show what the name says?
    local name=$1 pcap=$2 json=$3
    [ -s "$pcap" ] && [ -s "$json" ] || { log "  missing output"; return 1; }
    [ "$(jget "$json" all_acked)" = true ] || { log "  not all acked"; return 1; }
    python3 - "$name" "$json" "$(retrans "$pcap")" "$(datasegs "$pcap")" <<'PYEOF'
import json, sys
name, path, rtx, segs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d = json.load(open(path))
J = 4000          # one jiffy at HZ 250, in microseconds
bad = []
if segs != d["tcpi_data_segs_out"]: bad.append("pcap has %d data segments from the server, tcpi_data_segs_out %d"
                                              % (segs, d["tcpi_data_segs_out"]))
if d["tcpi_bytes_acked"] < d["app_bytes_written"]: bad.append("tcpi_bytes_acked < bytes written")
if rtx != d["tcpi_total_retrans"]: bad.append("pcap retransmissions %d != tcpi_total_retrans %d" % (rtx, d["tcpi_total_retrans"]))
if name == "slow-reader":
    if d["tcpi_rwnd_limited"] < 20 * J: bad.append("rwnd_limited < 20 jiffies")
    if d["tcpi_rwnd_limited"] < d["tcpi_busy_time"] / 2: bad.append("rwnd_limited < half of busy")
elif name == "app-limited":
    if d["tcpi_busy_time"] < 20 * J: bad.append("busy < 20 jiffies")
    if None in d["burst_acked_s"]: bad.append("a burst was not acked within its 300 ms sleep")
elif name == "lossy":
    if d["tcpi_total_retrans"] < 5 or rtx < 5: bad.append("fewer than 5 retransmissions")
elif name == "think-time":
    if min(d["think_times_s"]) < 0.08: bad.append("a think time < 80 ms")
elif name == "delayed-close":
    if d["close_delay_s"] < 1.4: bad.append("close delay < 1.4 s")
    if d["tcpi_state_name"] != "CLOSE_WAIT": bad.append("not CLOSE_WAIT before close")
elif name == "blackout":
    if d.get("tcpi_total_rto", 1) < 2: bad.append("fewer than 2 RTOs")
    if d["tcpi_total_retrans"] < 2 or rtx < 2: bad.append("fewer than 2 retransmissions")
    if "mark_s" not in d: bad.append("no mark")
for b in bad:
    sys.stderr.write("  check: %s\n" % b)
sys.exit(1 if bad else 0)
PYEOF
}
summary() {  # summary NAME PCAP JSON : one line
    local name=$1 pcap=$2 json=$3 frames dur rtx zw
    frames=$(tshark -r "$pcap" -T fields -e frame.number 2>/dev/null | wc -l)
    dur=$(tshark -r "$pcap" -T fields -e frame.time_relative 2>/dev/null | tail -n 1)
    rtx=$(tshark -r "$pcap" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)/$(tshark -r "$pcap" -Y tcp.analysis.out_of_order 2>/dev/null | wc -l)
    zw=$(tshark -r "$pcap" -Y tcp.analysis.zero_window 2>/dev/null | wc -l)
    python3 - "$name" "$json" "$frames" "$dur" "$rtx" "$zw" "$(stat -c %s "$pcap")" <<'PYEOF'
import json, sys
name, path, frames, dur, rtx, zw, size = sys.argv[1:]
d = json.load(open(path))
ms = lambda k: "%.0f" % (d[k] / 1000.0)
extra = ""
if "think_times_s" in d: extra = " think_times_s=%s" % d["think_times_s"]
if "close_delay_s" in d: extra = " close_delay_s=%s" % d["close_delay_s"]
if "burst_transfer_s" in d: extra = " burst_transfer_s=%s" % d["burst_transfer_s"]
print("%-14s %5s frames %7.3f s %7s bytes | busy %s ms rwnd %s ms sndbuf %s ms | total_retrans %d rto(total) %s"
      " | tshark retransmission/out-of-order %s zero-window %s%s" % (name, frames, float(dur), size, ms("tcpi_busy_time"),
      ms("tcpi_rwnd_limited"), ms("tcpi_sndbuf_limited"), d["tcpi_total_retrans"], d.get("tcpi_total_rto", "?"),
      rtx, zw, extra))
PYEOF
}

# ------------------------------------------------------------------ driver ---
SUMMARIES=()
run_one() {
    local name=$1 try ok=1 pcap json
    declare -F "case_$name" >/dev/null || die "unknown scenario '$name' (see --list)"
    pcap="$WORK/$name.pcap" json="$WORK/$name.kernel.json"
    for try in $(seq "$TM_TRIES"); do
        log "== $name (attempt $try)"
        cleanup
        rm -f "$pcap" "$json"
        : > "$WORK/tcpdump.log"
        EXTRA=() NFQ="" DELAY=0
        "case_$name" "$name" "$pcap" "$json"
        cleanup
        if grep -h "dropped by kernel" "$WORK/tcpdump.log" | grep -qv '^0 '; then
            log "  tcpdump dropped packets: again"; continue
        fi
        [ -s "$json" ] && "${APP[@]}" merge "$json" \
            "capture_file=$name.pcap" "capture_side=server (the TCP_INFO side)" \
            "capture=ip netns exec fx-tsrv tcpdump -U -s 128 -i srv0 -w $name.pcap tcp" \
            "client_port=${SPORT[$name]}" "server_port=$PORT" \
            "kernel_release=$(uname -r)" "hz=$HZ" "hz_source=$HZ_SOURCE" \
            "link_delay_ms_each_way=$DELAY" "attempt=$try" "${EXTRA[@]}"
        if check "$name" "$pcap" "$json"; then ok=0; break; fi
        log "   $name does not show what it should yet"
    done
    [ $ok -eq 0 ] || log "   WARNING: $name kept after $TM_TRIES attempts although the check failed"
    if [ -s "$pcap" ] && [ -s "$json" ]; then
        cp "$pcap" "$json" "$OUT/"; chmod 644 "$OUT/$name.pcap" "$OUT/$name.kernel.json"
        SUMMARIES+=("$(summary "$name" "$OUT/$name.pcap" "$OUT/$name.kernel.json")")
        printf '%s\n' "${SUMMARIES[-1]}"
    fi
    return $ok
}

main() {
    if [ "${1:-}" = --list ]; then printf '%s\n' "${ALL[@]}"; exit 0; fi
    [ "$(id -u)" -eq 0 ] || die "needs root: sudo bash $0 $*"
    local t n failed=()
    for t in tcpdump tshark iptables ip ethtool python3; do command -v $t >/dev/null || die "$t not found"; done
    HZ=$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_HZ=//p')
    HZ_SOURCE="CONFIG_HZ in /proc/config.gz"
    if [ -z "$HZ" ] && [ -r "/boot/config-$(uname -r)" ]; then
        HZ=$(sed -n 's/^CONFIG_HZ=//p' "/boot/config-$(uname -r)"); HZ_SOURCE="CONFIG_HZ in /boot/config-$(uname -r)"
    fi
    [ -n "$HZ" ] || { HZ=null; HZ_SOURCE=unknown; }
    WORK=$(mktemp -d /tmp/fx-timing.XXXXXX)
    chmod 755 "$WORK"
    mkdir -p "$OUT"
    local names=("$@")
    [ ${#names[@]} -eq 0 ] && names=("${ALL[@]}")
    for n in "${names[@]}"; do run_one "$n" || failed+=("$n"); done
    log "summary:"
    printf '%s\n' "${SUMMARIES[@]}"
    if [ ${#failed[@]} -gt 0 ]; then log "scenarios whose check still failed: ${failed[*]}"; exit 2; fi
    log "done: ${names[*]}"
}

main "$@"
