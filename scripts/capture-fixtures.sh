#!/usr/bin/env bash
# Record the pcap fixtures under Fixtures/ from real kernel TCP traffic.
#
#   sudo bash scripts/capture-fixtures.sh            # every fixture
#   sudo bash scripts/capture-fixtures.sh half-close # one (or several) by name
#   bash scripts/capture-fixtures.sh --list          # the names
#   sudo FX_OUT=/tmp/fx bash scripts/capture-fixtures.sh   # trial run into another directory
#
# Needs root, tcpdump, dumpcap, editcap, tshark, iptables, ip, python3 (and ethtool for the data phase cases).
# All traffic stays inside network namespaces this script creates (names
# start with "fx-") and on their loopback interfaces; addresses are
# 127.0.0.1 / ::1, 10.99.x.y and fd00:99:x::y.  The namespaces, the capture
# processes and the helper programs are removed on exit (trap), also on error.
#
# Every capture is checked with scripts/fixture-check.py; a case whose packets
# do not show what its name says is recorded again (up to $FX_TRIES times).
# At the end Fixtures/expected.tsv and the generated listing blocks in
# Fixtures/README.md are refreshed from the files (tshark's view of them).
#
# Kernel notes (see Fixtures/README.md): the kernel this was written on has no
# 8021q module and no netem qdisc.  VLAN tags are therefore pushed/popped by the
# kernel's bpf_skb_vlan_push/pop helpers (scripts/vlantag.py, tcx hooks), and
# the 100 ms link delay of the simultaneous close is an NFQUEUE hold in the
# router namespace (scripts/nfqdelay.py).  When `ip link add ... type vlan` and
# `tc qdisc ... netem` are available they are used instead.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
OUT="${FX_OUT:-$ROOT/Fixtures}"   # FX_OUT=DIR writes the fixtures somewhere else (trial runs)
APP=(python3 "$HERE/tcpapp.py")
CHECK=(python3 "$HERE/fixture-check.py")
FX_TRIES=${FX_TRIES:-4}
PORT=8080

ALL=(lo-ipv4 any-sll2 any-sll lo-ipv6 vlan qinq nano lo-ipv4.pcapng snaplen-60 rotated truncated
     close-4way-client-first close-4way-server-first close-3way half-close close-simultaneous
     refused syn-retransmit synack-retransmit half-open half-open-peer fin-retransmit last-ack-lost
     rst-client rst-server tw-reuse-client tw-reuse-server ipv6-close mid-stream
     tw-churn-client-closes tw-churn-server-closes
     bulk-loss-mid bulk-loss-after zero-window keepalive)

log() { printf '\033[1m[capture]\033[0m %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- cleanup ---
PIDS=()          # background processes started by this script
NAMESPACES=()    # namespaces created by this script
WORK=""
cleanup() {
    local p ns
    for p in "${PIDS[@]}"; do
        kill -TERM "$p" 2>/dev/null
    done
    [ ${#PIDS[@]} -gt 0 ] && sleep 0.3
    for p in "${PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    PIDS=()
    for ns in "${NAMESPACES[@]}"; do
        ip netns del "$ns" 2>/dev/null
    done
    NAMESPACES=()
}
on_exit() {
    cleanup
    [ -n "$WORK" ] && rm -rf "$WORK"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

bg() {  # bg CMD... : start in background, remember the pid (in $LAST)
    "$@" &
    LAST=$!
    PIDS+=("$LAST")
}
reap() {  # reap PID : wait for a background process started with bg
    local p=$1 rc=0 q
    wait "$p" || rc=$?
    local keep=()
    for q in "${PIDS[@]}"; do [ "$q" != "$p" ] && keep+=("$q"); done
    PIDS=("${keep[@]}")
    return $rc
}
# Background jobs of a non-interactive bash start with SIGINT ignored; tcpdump and
# dumpcap install their own SIGINT handler (flush + exit), python keeps it ignored,
# so the helper programs are stopped with SIGTERM.
stop() {  # stop PID [SIGNAL] : signal (default INT, for tcpdump / dumpcap) then reap
    kill -"${2:-INT}" "$1" 2>/dev/null
    reap "$1" 2>/dev/null
    return 0
}

# ------------------------------------------------------------- namespaces ---
mkns() {  # mkns NAME [v6] : new namespace with lo up (IPv6 disabled unless v6)
    local ns=$1
    ip netns del "$ns" 2>/dev/null
    ip netns add "$ns" || die "ip netns add $ns"
    NAMESPACES+=("$ns")
    if [ "${2:-}" != v6 ]; then
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    fi
    ip -n "$ns" link set lo up
}
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Three namespaces: fx-cli (10.99.1.2) -- fx-rtr (10.99.1.1 | 10.99.2.1) -- fx-srv (10.99.2.2)
# veth cli0<->rtr1 and rtr2<->srv0, fixed MAC addresses, static neighbour
# entries (no ARP/ND in the captures), forwarding on in fx-rtr.
CLI=10.99.1.2 SRV=10.99.2.2 CLI6=fd00:99:1::2 SRV6=fd00:99:2::2
topo3() {  # topo3 [v6]
    local v6=${1:-}
    mkns fx-cli $v6; mkns fx-rtr $v6; mkns fx-srv $v6
    ip link add cli0 netns fx-cli address 02:99:01:00:00:02 type veth peer name rtr1 netns fx-rtr address 02:99:01:00:00:01
    ip link add rtr2 netns fx-rtr address 02:99:02:00:00:01 type veth peer name srv0 netns fx-srv address 02:99:02:00:00:02
    ip -n fx-cli addr add 10.99.1.2/24 dev cli0
    ip -n fx-rtr addr add 10.99.1.1/24 dev rtr1
    ip -n fx-rtr addr add 10.99.2.1/24 dev rtr2
    ip -n fx-srv addr add 10.99.2.2/24 dev srv0
    if [ "$v6" = v6 ]; then
        ip -n fx-cli addr add fd00:99:1::2/64 dev cli0 nodad
        ip -n fx-rtr addr add fd00:99:1::1/64 dev rtr1 nodad
        ip -n fx-rtr addr add fd00:99:2::1/64 dev rtr2 nodad
        ip -n fx-srv addr add fd00:99:2::2/64 dev srv0 nodad
    fi
    ip -n fx-cli link set cli0 up; ip -n fx-rtr link set rtr1 up
    ip -n fx-rtr link set rtr2 up; ip -n fx-srv link set srv0 up
    ip -n fx-cli route add default via 10.99.1.1
    ip -n fx-srv route add default via 10.99.2.1
    nsx fx-rtr sysctl -qw net.ipv4.ip_forward=1
    ip -n fx-cli neigh replace 10.99.1.1 lladdr 02:99:01:00:00:01 dev cli0 nud permanent
    ip -n fx-rtr neigh replace 10.99.1.2 lladdr 02:99:01:00:00:02 dev rtr1 nud permanent
    ip -n fx-rtr neigh replace 10.99.2.2 lladdr 02:99:02:00:00:02 dev rtr2 nud permanent
    ip -n fx-srv neigh replace 10.99.2.1 lladdr 02:99:02:00:00:01 dev srv0 nud permanent
    if [ "$v6" = v6 ]; then
        ip -n fx-cli -6 route add default via fd00:99:1::1
        ip -n fx-srv -6 route add default via fd00:99:2::1
        nsx fx-rtr sysctl -qw net.ipv6.conf.all.forwarding=1
        ip -n fx-cli neigh replace fd00:99:1::1 lladdr 02:99:01:00:00:01 dev cli0 nud permanent
        ip -n fx-rtr neigh replace fd00:99:1::2 lladdr 02:99:01:00:00:02 dev rtr1 nud permanent
        ip -n fx-rtr neigh replace fd00:99:2::2 lladdr 02:99:02:00:00:02 dev rtr2 nud permanent
        ip -n fx-srv neigh replace fd00:99:2::1 lladdr 02:99:02:00:00:01 dev srv0 nud permanent
    fi
}

# Two namespaces joined by one veth (for the VLAN cases): fx-a a0 10.99.3.1 -- fx-b b0 10.99.3.2
topo2() {
    mkns fx-a; mkns fx-b
    ip link add a0 netns fx-a address 02:99:03:00:00:01 type veth peer name b0 netns fx-b address 02:99:03:00:00:02
    ip -n fx-a link set a0 up; ip -n fx-b link set b0 up
}

# Two namespaces joined directly by one veth, no router (connection churn cases):
# fx-cli cli0 10.99.4.1 (02:99:04:00:00:01) -- fx-srv srv0 10.99.4.2 (02:99:04:00:00:02)
DCLI=10.99.4.1 DSRV=10.99.4.2
topo_direct() {
    mkns fx-cli; mkns fx-srv
    ip link add cli0 netns fx-cli address 02:99:04:00:00:01 type veth peer name srv0 netns fx-srv address 02:99:04:00:00:02
    ip -n fx-cli addr add $DCLI/24 dev cli0
    ip -n fx-srv addr add $DSRV/24 dev srv0
    ip -n fx-cli link set cli0 up; ip -n fx-srv link set srv0 up
    ip -n fx-cli neigh replace $DSRV lladdr 02:99:04:00:00:02 dev cli0 nud permanent
    ip -n fx-srv neigh replace $DCLI lladdr 02:99:04:00:00:01 dev srv0 nud permanent
}

# ---------------------------------------------------------------- helpers ---
capture() {  # capture NS IFACE FILE [tcpdump args...] ; sets CAP (pid)
    local ns=$1 ifc=$2 file=$3; shift 3
    bg ip netns exec "$ns" tcpdump -U -Z root -i "$ifc" -w "$file" "$@" 2>>"$WORK/tcpdump.log"
    CAP=$LAST
    sleep 1
}
finish_capture() { sleep 1; stop "$CAP"; }

server() {  # server NS ADDR [tcpapp args...] ; sets SERVER (pid), waits until it listens
    local ns=$1 addr=$2; shift 2
    rm -f "$WORK/ready"
    bg ip netns exec "$ns" "${APP[@]}" server --addr "$addr" --port "$PORT" --ready "$WORK/ready" "$@"
    SERVER=$LAST
    local i
    for i in $(seq 100); do [ -e "$WORK/ready" ] && return 0; sleep 0.05; done
    die "server did not start"
}
client() {  # client NS ADDR [tcpapp args...] (foreground)
    local ns=$1 addr=$2; shift 2
    ip netns exec "$ns" "${APP[@]}" client --addr "$addr" --port "$PORT" "$@"
}

# drop_once NS MATCH... : put "MATCH -j DROP" at the top of FORWARD in NS and take
# it out again as soon as it has dropped one packet (polled every ~20 ms).  Runs in
# the background; sets DROPPER (pid).  Retransmissions come >= 200 ms later, so
# exactly the first matching packet is lost.
DROPN=0
drop_once() {
    local ns=$1; shift
    DROPN=$((DROPN + 1))
    local tag="fxdrop$DROPN"
    nsx "$ns" iptables -I FORWARD 1 "$@" -m comment --comment "$tag" -j DROP || die "iptables"
    log "  $ns: iptables -I FORWARD $* -j DROP   (removed after its first hit)"
    bg bash -c '
        ns=$1; tag=$2; shift 2
        for i in $(seq 1500); do
            n=$(ip netns exec "$ns" iptables -L FORWARD -v -x -n 2>/dev/null | awk -v t="$tag" "\$0 ~ t {print \$1}")
            if [ "${n:-0}" -ge 1 ]; then break; fi
            sleep 0.02
        done
        ip netns exec "$ns" iptables -D FORWARD "$@" -m comment --comment "$tag" -j DROP
        echo "drop_once: rule $tag dropped ${n:-0} packet(s)" >&2
    ' _ "$ns" "$tag" "$@"
    DROPPER=$LAST
}

has_netem() {
    local ok=1
    ip netns add fx-probe 2>/dev/null || return 1
    ip -n fx-probe link set lo up
    ip netns exec fx-probe tc qdisc add dev lo root netem delay 1ms 2>/dev/null && ok=0
    ip netns del fx-probe
    return $ok
}
has_8021q() {
    local ok=1
    ip netns add fx-probe 2>/dev/null || return 1
    ip -n fx-probe link add d0 type veth peer name d1
    ip -n fx-probe link add link d0 name d0.100 type vlan id 100 2>/dev/null && ok=0
    ip netns del fx-probe
    return $ok
}

# ------------------------------------------------------- foundation cases ---
# Standard small exchange on one connection: 64-byte request, 128-byte response,
# client closes, server closes 100 ms after reading EOF (four-way close).
REQ_CLIENT="send:64,recv:128,sleep:0.05,close"
REQ_SERVER="recv:64,send:128,eof,sleep:0.1,close"

lo_case() {  # lo_case OUTFILE ADDR SRCPORT CAPTURE-COMMAND...
    local f=$1 addr=$2 sport=$3; shift 3
    mkns fx-lo v6
    bg ip netns exec fx-lo "$@" 2>>"$WORK/tcpdump.log"
    CAP=$LAST
    sleep 1
    server fx-lo "$addr" --steps "$REQ_SERVER"
    client fx-lo "$addr" --src-port "$sport" --steps "$REQ_CLIENT"
    reap "$SERVER"
    finish_capture
}

case_lo-ipv4()   { lo_case "$1" 127.0.0.1 40001 tcpdump -U -Z root -i lo -w "$1"; }
case_any-sll2()  { lo_case "$1" 127.0.0.1 40002 tcpdump -U -Z root -i any -w "$1"; }
case_any-sll()   { lo_case "$1" 127.0.0.1 40003 tcpdump -U -Z root -i any -y LINUX_SLL -w "$1"; }
case_lo-ipv6()   { lo_case "$1" ::1       40004 tcpdump -U -Z root -i lo -w "$1"; }
case_nano()      { lo_case "$1" 127.0.0.1 40007 tcpdump -U -Z root -i lo --time-stamp-precision=nano -w "$1"; }
case_lo-ipv4.pcapng() { lo_case "$1" 127.0.0.1 40008 dumpcap -q -i lo -w "$1"; }
case_snaplen-60() {
    local f=$1
    mkns fx-lo v6
    capture fx-lo lo "$f" -s 60
    server fx-lo 127.0.0.1 --steps "recv:64,send:300,eof,sleep:0.1,close"
    client fx-lo 127.0.0.1 --src-port 40009 --steps "send:64,recv:300,sleep:0.05,close"
    reap "$SERVER"
    finish_capture
}

vlan_case() {  # vlan_case OUTFILE SPORT TAGS...
    local f=$1 sport=$2; shift 2
    topo2
    ip -n fx-a addr add 10.99.3.1/24 dev a0
    ip -n fx-b addr add 10.99.3.2/24 dev b0
    ip -n fx-a neigh replace 10.99.3.2 lladdr 02:99:03:00:00:02 dev a0 nud permanent
    ip -n fx-b neigh replace 10.99.3.1 lladdr 02:99:03:00:00:01 dev b0 nud permanent
    nsx fx-a python3 "$HERE/vlantag.py" push a0 "$@" || die "vlantag push"
    nsx fx-a python3 "$HERE/vlantag.py" pop a0 $# || die "vlantag pop"
    nsx fx-b python3 "$HERE/vlantag.py" push b0 "$@" || die "vlantag push"
    nsx fx-b python3 "$HERE/vlantag.py" pop b0 $# || die "vlantag pop"
    capture fx-a a0 "$f"
    server fx-b 10.99.3.2 --steps "$REQ_SERVER"
    client fx-a 10.99.3.2 --src-port "$sport" --steps "$REQ_CLIENT"
    reap "$SERVER"
    finish_capture
}
vlan_case_native() {  # vlan_case_native OUTFILE SPORT qinq|vlan : with the 8021q driver
    local f=$1 sport=$2 kind=$3 ns ifc addr peer top
    topo2
    for ns in fx-a fx-b; do
        if [ $ns = fx-a ]; then ifc=a0 addr=10.99.3.1 peer=10.99.3.2; else ifc=b0 addr=10.99.3.2 peer=10.99.3.1; fi
        top=$ifc.100
        if [ "$kind" = qinq ]; then
            ip -n $ns link add link $ifc name $ifc.200 type vlan proto 802.1ad id 200
            ip -n $ns link set $ifc.200 up
            ip -n $ns link add link $ifc.200 name $ifc.200.100 type vlan id 100
            top=$ifc.200.100
        else
            ip -n $ns link add link $ifc name $ifc.100 type vlan id 100
        fi
        ip -n $ns link set $top up
        ip -n $ns addr add $addr/24 dev $top
    done
    capture fx-a a0 "$f"
    server fx-b 10.99.3.2 --steps "$REQ_SERVER"
    client fx-a 10.99.3.2 --src-port "$sport" --steps "$REQ_CLIENT"
    reap "$SERVER"
    finish_capture
}
case_vlan() {
    if has_8021q; then vlan_case_native "$1" 40005 vlan; else vlan_case "$1" 40005 8021q:100; fi
}
case_qinq() {
    if has_8021q; then vlan_case_native "$1" 40006 qinq; else vlan_case "$1" 40006 8021q:100 8021ad:200; fi
}

# One capture on lo with three connections (B spans the whole capture), split
# with editcap -c N into three files.
case_rotated() {
    local f="$WORK/rotated-all.pcap" n total
    mkns fx-lo v6
    capture fx-lo lo "$f"
    server fx-lo 127.0.0.1 --conns 3 --concurrent --steps "echo,close"
    bg ip netns exec fx-lo "${APP[@]}" client --addr 127.0.0.1 --port $PORT --src-port 40011 \
        --steps "send:64,recv:64,sleep:0.4,send:64,recv:64,sleep:0.4,send:64,recv:64,sleep:0.4,close"
    local b=$LAST
    sleep 0.2
    client fx-lo 127.0.0.1 --src-port 40010 --steps "send:64,recv:64,close"
    sleep 0.4
    client fx-lo 127.0.0.1 --src-port 40012 --steps "send:64,recv:64,close"
    reap "$b"
    reap "$SERVER"
    finish_capture
    total=$(tshark -r "$f" -T fields -e frame.number 2>/dev/null | wc -l)
    n=$(( (total + 2) / 3 ))
    rm -f "$WORK"/rot_*
    editcap -F pcap -c "$n" "$f" "$WORK/rot.pcap" || die editcap
    local parts=("$WORK"/rot_*.pcap) i=1 p
    [ ${#parts[@]} -eq 3 ] || die "editcap produced ${#parts[@]} files"
    for p in "${parts[@]}"; do cp "$p" "$WORK/rotated-$i.pcap"; i=$((i + 1)); done
    log "  rotated: $total frames, editcap -c $n"
}

# truncated.pcap: lo-ipv4.pcap cut in the middle of its last record.
case_truncated() {
    local src="$OUT/lo-ipv4.pcap"
    [ -s "$src" ] || { run_one lo-ipv4 || return 1; }
    python3 - "$src" "$1" <<'EOF'
import struct, sys, shutil, subprocess
src, dst = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
off, last = 24, None
while off + 16 <= len(data):
    caplen = struct.unpack_from(endian + "I", data, off + 8)[0]
    last = (off, caplen)
    off += 16 + caplen
start, caplen = last
cut = start + 16 + caplen // 2
# the same as: head -c $cut lo-ipv4.pcap > truncated.pcap
subprocess.run("head -c %d %s > %s" % (cut, src, dst), shell=True, check=True)
print("truncated: head -c %d (of %d bytes); last record starts at byte %d, %d of its %d data bytes kept"
      % (cut, len(data), start, caplen // 2, caplen), file=sys.stderr)
EOF
}

# -------------------------------------------------------- lifecycle cases ---
CLIENT_REQ="send:100,recv:200"
SERVER_REQ="recv:100,send:200"

simple3() {  # simple3 OUTFILE CAPNS CAPIF SPORT CLIENT-STEPS SERVER-STEPS [v6]
    local f=$1 cns=$2 cif=$3 sport=$4 csteps=$5 ssteps=$6 v6=${7:-}
    local dst=$SRV
    [ "$v6" = v6 ] && dst=$SRV6
    topo3 $v6
    capture "$cns" "$cif" "$f" tcp
    server fx-srv "$dst" --steps "$ssteps"
    client fx-cli "$dst" --src-port "$sport" --steps "$csteps"
    reap "$SERVER"
    finish_capture
}

case_close-4way-client-first() {
    simple3 "$1" fx-cli cli0 41001 "$CLIENT_REQ,sleep:0.1,close" "$SERVER_REQ,eof,sleep:0.2,close"
}
case_close-4way-server-first() {
    simple3 "$1" fx-cli cli0 41002 "$CLIENT_REQ,eof,sleep:0.2,close" "$SERVER_REQ,sleep:0.1,close"
}
case_close-3way() {
    simple3 "$1" fx-cli cli0 41003 "$CLIENT_REQ,sleep:0.1,close" "$SERVER_REQ,eof,close"
}
case_half-close() {
    simple3 "$1" fx-cli cli0 41004 "send:100,shutwr,eof,close" \
        "recv:100,eof,sleep:0.1,send:300,sleep:0.1,send:300,sleep:0.1,close"
}
case_close-simultaneous() {
    local f=$1 t
    topo3
    if has_netem; then
        nsx fx-rtr tc qdisc add dev rtr1 root netem delay 100ms
        nsx fx-rtr tc qdisc add dev rtr2 root netem delay 100ms
        log "  fx-rtr: netem delay 100ms on rtr1 and rtr2"
    else
        nsx fx-rtr iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0
        rm -f "$WORK/nfq-ready"
        bg ip netns exec fx-rtr python3 "$HERE/nfqdelay.py" --queue 0 --delay-ms 100 --ready "$WORK/nfq-ready"
        local nfq=$LAST i
        for i in $(seq 100); do [ -e "$WORK/nfq-ready" ] && break; sleep 0.05; done
        log "  fx-rtr: iptables -A FORWARD -p tcp -j NFQUEUE + nfqdelay.py (100 ms each way)"
    fi
    capture fx-cli cli0 "$f" tcp
    t=$(python3 -c 'import time; print("%.3f" % (time.time() + 2.5))')
    server fx-srv $SRV --steps "$SERVER_REQ,at:$t,close"
    client fx-cli $SRV --src-port 41005 --steps "$CLIENT_REQ,at:$t,close"
    reap "$SERVER"
    sleep 1
    finish_capture
    [ -n "${nfq:-}" ] && stop "$nfq" TERM
    return 0
}
case_refused() {
    topo3
    capture fx-cli cli0 "$1" tcp
    client fx-cli $SRV --src-port 41006 --steps "$CLIENT_REQ,close"
    finish_capture
}
case_syn-retransmit() {
    local f=$1
    topo3
    capture fx-cli cli0 "$f" tcp
    server fx-srv $SRV --steps "$SERVER_REQ,eof,close"
    drop_once fx-rtr -p tcp -s $CLI -d $SRV --dport $PORT --syn
    client fx-cli $SRV --src-port 41007 --steps "$CLIENT_REQ,sleep:0.1,close"
    reap "$SERVER"; reap "$DROPPER"
    finish_capture
}
case_synack-retransmit() {
    local f=$1
    topo3
    capture fx-srv srv0 "$f" tcp
    server fx-srv $SRV --steps "$SERVER_REQ,eof,close"
    # the client's pure ACK (IP length 52 = 20 + 32 with the timestamp option) completing the handshake
    drop_once fx-rtr -p tcp -s $CLI -d $SRV --dport $PORT --tcp-flags SYN,ACK,FIN,RST,PSH ACK -m length --length 52
    client fx-cli $SRV --src-port 41008 --steps "sleep:2.5,$CLIENT_REQ,sleep:0.1,close"
    reap "$SERVER"; reap "$DROPPER"
    finish_capture
}
case_half-open() {
    local f=$1
    topo3
    nsx fx-srv sysctl -qw net.ipv4.tcp_synack_retries=2
    nsx fx-rtr iptables -A FORWARD -p tcp -s $CLI -d $SRV --tcp-flags ACK ACK -j DROP
    log "  fx-rtr: iptables -A FORWARD -p tcp -s $CLI -d $SRV --tcp-flags ACK ACK -j DROP; fx-srv: tcp_synack_retries=2"
    capture fx-srv srv0 "$f" tcp
    server fx-srv $SRV --steps "$SERVER_REQ,close"
    local srv=$SERVER
    client fx-cli $SRV --src-port 41009 --steps "sleep:9,close"
    finish_capture
    stop "$srv" TERM   # its accept() never returns: the handshake never completes at the server
}

# half-open-peer (RFC 9293 3.5, figure 9): the client, in SYN-SENT, gets an ACK that does not acknowledge its
# SYN -- as from a server that still holds an older, half-open connection on the same 4-tuple.  Its kernel
# answers <SEQ=SEG.ACK><CTL=RST> (no ACK bit), stays in SYN-SENT and sends its SYN again; the real server
# answers that one and the connection goes on.  fx-cli -- fx-srv (one veth, topo_direct):
#  1. fx-srv: iptables -I INPUT 1 ... --syn -j DROP (the client's first SYN never reaches the listener);
#  2. the client connects from port $HOP_PORT; once the rule's counter shows the dropped SYN (the client is in
#     SYN-SENT), the rule is deleted -- before the ACK is sent: the SYN-SENT side retransmits its SYN 2 jiffies
#     after such an ACK (tcp_rcv_synsent_state_process, Linux commit 9603d47bad46, 2020), not after the 1 s
#     RTO, and that retransmission must pass;
#  3. a raw socket in fx-srv (IPPROTO_RAW, IP header included, checksums computed here) sends
#     10.99.4.2:8080 -> 10.99.4.1:$HOP_PORT, flags ACK only, seq $HOP_SEQ, ack $HOP_ACK (anything but the
#     client's ISN + 1; the ISN is not needed).
# Client side capture (cli0, filter tcp).  Then request/response and a client-first four-way close.
HOP_SEQ=3000000
HOP_ACK=12345678
HOP_PORT=41022
case_half-open-peer() {
    local f=$1 c i n=0
    topo_direct
    capture fx-cli cli0 "$f" tcp
    server fx-srv $DSRV --steps "$SERVER_REQ,eof,sleep:0.2,close"
    nsx fx-srv iptables -I INPUT 1 -p tcp -s $DCLI -d $DSRV --dport $PORT --syn -m comment --comment fxsyn -j DROP \
        || die iptables
    log "  fx-srv: iptables -I INPUT 1 -p tcp -s $DCLI -d $DSRV --dport $PORT --syn -j DROP"
    bg ip netns exec fx-cli "${APP[@]}" client --addr $DSRV --port $PORT --src-port $HOP_PORT \
        --steps "$CLIENT_REQ,sleep:0.1,close"
    c=$LAST
    for i in $(seq 200); do   # until the first SYN has been dropped
        n=$(nsx fx-srv iptables -L INPUT -v -x -n | awk '/fxsyn/ {print $1}')
        [ "${n:-0}" -ge 1 ] && break
        sleep 0.01
    done
    nsx fx-srv iptables -D INPUT -p tcp -s $DCLI -d $DSRV --dport $PORT --syn -m comment --comment fxsyn -j DROP
    log "  fx-srv: the rule dropped ${n:-0} SYN(s), deleted; raw ACK seq $HOP_SEQ ack $HOP_ACK to $DCLI:$HOP_PORT"
    nsx fx-srv python3 - $DSRV $PORT $DCLI $HOP_PORT $HOP_SEQ $HOP_ACK <<'PYEOF' || die "raw ACK"
import socket, struct, sys
src, sport, dst, dport, seq, ack = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), \
    int(sys.argv[5]), int(sys.argv[6])


def csum(b):  # RFC 1071 Internet checksum
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# TCP: no options (data offset 5), flags ACK only, window 502; checksum over pseudo header + segment
tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x10, 502, 0, 0)
pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
# IPv4: DF, TTL 64, id 0 (the kernel picks one)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, socket.IPPROTO_TCP, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)  # IPPROTO_RAW: IP header included
s.sendto(ip + tcp, (dst, 0))
print("raw ACK %s:%d -> %s:%d seq %d ack %d sent" % (src, sport, dst, dport, seq, ack), file=sys.stderr)
PYEOF
    reap "$c"; reap "$SERVER"
    finish_capture
}
case_fin-retransmit() {
    local f=$1
    topo3
    capture fx-cli cli0 "$f" tcp
    server fx-srv $SRV --steps "$SERVER_REQ,eof,sleep:0.2,close"
    drop_once fx-rtr -p tcp -s $CLI -d $SRV --dport $PORT --tcp-flags FIN FIN
    client fx-cli $SRV --src-port 41010 --steps "$CLIENT_REQ,sleep:0.1,close"
    reap "$SERVER"; reap "$DROPPER"
    sleep 1
    finish_capture
}
case_last-ack-lost() {
    local f=$1 c
    topo3
    capture fx-cli cli0 "$f" tcp
    server fx-srv $SRV --steps "$SERVER_REQ,eof,sleep:0.2,close"
    bg ip netns exec fx-cli "${APP[@]}" client --addr $SRV --port $PORT --src-port 41011 \
        --steps "$CLIENT_REQ,sleep:1.5,close"
    c=$LAST
    sleep 0.8   # request/response and their ACKs are done; the client's FIN comes at ~1.5 s
    # the next pure ACK from the client is the one for the server's FIN
    drop_once fx-rtr -p tcp -s $CLI -d $SRV --dport $PORT --tcp-flags SYN,ACK,FIN,RST,PSH ACK -m length --length 52
    reap "$c"; reap "$SERVER"; reap "$DROPPER"
    sleep 1
    finish_capture
}
case_rst-client() {
    simple3 "$1" fx-cli cli0 41012 "$CLIENT_REQ,sleep:0.1,abort" "$SERVER_REQ,eof,close"
}
case_rst-server() {
    simple3 "$1" fx-cli cli0 41013 "$CLIENT_REQ,eof,close" "$SERVER_REQ,sleep:0.1,abort"
}
case_tw-reuse-client() {
    local f=$1
    topo3
    nsx fx-cli sysctl -qw net.ipv4.tcp_tw_reuse=1
    capture fx-cli cli0 "$f" tcp
    server fx-srv $SRV --conns 2 --steps "$SERVER_REQ,eof,sleep:0.1,close"
    client fx-cli $SRV --src-port 41014 --reuseaddr --repeat 2 --gap 2 --steps "$CLIENT_REQ,sleep:0.1,close"
    reap "$SERVER"
    finish_capture
}
case_tw-reuse-server() {
    local f=$1
    topo3
    capture fx-cli cli0 "$f" tcp
    server fx-srv $SRV --conns 2 --steps "$SERVER_REQ,sleep:0.1,close"
    client fx-cli $SRV --src-port 41015 --reuseaddr --repeat 2 --gap 2 --steps "$CLIENT_REQ,eof,sleep:0.1,close"
    reap "$SERVER"
    finish_capture
}
case_ipv6-close() {
    simple3 "$1" fx-cli cli0 41016 "$CLIENT_REQ,sleep:0.1,close" "$SERVER_REQ,eof,sleep:0.2,close" v6
}
case_mid-stream() {
    local f=$1 c
    topo3
    server fx-srv $SRV --steps "eof,sleep:0.1,close"
    bg ip netns exec fx-cli "${APP[@]}" client --addr $SRV --port $PORT --src-port 41017 \
        --steps "every:0.1:20:50,sleep:0.1,close"
    c=$LAST
    sleep 0.5
    bg ip netns exec fx-cli tcpdump -U -Z root -i cli0 -w "$f" tcp 2>>"$WORK/tcpdump.log"
    CAP=$LAST
    reap "$c"; reap "$SERVER"
    finish_capture
}

# ------------------------------------------------- connection churn cases ---
# $CHURN_N sequential short connections (no keep-alive) from ephemeral client ports to the one server
# port: 10-byte request, 10-byte response, then one side closes first and holds TIME_WAIT.  Client side
# capture, headers only (-s $CHURN_SNAP).  Right after the last connection has closed, while tcpdump still
# runs, the TIME_WAIT sockets of both namespaces are counted with ss (tw_count); the counts and timings go
# to FILE.tw, which run_one turns into the file's row of Fixtures/time-wait-counts.tsv:
#   file  client_namespace_time_wait  server_namespace_time_wait  capture_duration_seconds  seconds_between_last_packet_and_ss_count
# The whole run takes a few seconds, far below the 60 s TIME_WAIT of Linux, so no entry has expired.
CHURN_N=${FX_CHURN_N:-2000}
CHURN_SNAP=${FX_CHURN_SNAP:-96}
export FX_CHURN_N=$CHURN_N     # fixture-check.py wants this many connections

tw_count() {  # tw_count NS [all] : TIME_WAIT sockets in NS with port 8080 at either end (all: any port)
    if [ "${2:-}" = all ]; then
        ip netns exec "$1" ss -tan state time-wait | tail -n +2 | wc -l
    else
        ip netns exec "$1" ss -tan state time-wait "( sport = :$PORT or dport = :$PORT )" | tail -n +2 | wc -l
    fi
}

churn_case() {  # churn_case OUTFILE CLIENT-STEPS SERVER-STEPS
    local f=$1 csteps=$2 ssteps=$3 name t_cli t_srv n_cli n_srv a_cli a_srv first last dur delay t_start
    name=$(basename "$f" .pcap)
    topo_direct
    nsx fx-cli sysctl -qw net.ipv4.tcp_tw_reuse=0 "net.ipv4.ip_local_port_range=32768 60999"
    log "  fx-cli: tcp_tw_reuse=$(nsx fx-cli sysctl -n net.ipv4.tcp_tw_reuse)" \
        "ip_local_port_range=$(nsx fx-cli sysctl -n net.ipv4.ip_local_port_range | tr '\t' -)" \
        "tcp_max_tw_buckets=$(nsx fx-cli sysctl -n net.ipv4.tcp_max_tw_buckets)" \
        "(fx-srv: $(nsx fx-srv sysctl -n net.ipv4.tcp_max_tw_buckets))"
    capture fx-cli cli0 "$f" -s "$CHURN_SNAP" tcp
    server fx-srv $DSRV --conns "$CHURN_N" --steps "$ssteps" 2>"$WORK/$name-server.log"
    t_start=$(date +%s.%N)
    if client fx-cli $DSRV --repeat "$CHURN_N" --steps "$csteps" 2>"$WORK/$name-client.log"; then
        reap "$SERVER"
    else
        log "  client failed: $(tail -n 3 "$WORK/$name-client.log")"
        stop "$SERVER" TERM
    fi
    sleep 0.1   # the last segment (the final ACK) is on its way
    t_cli=$(date +%s.%N); n_cli=$(tw_count fx-cli)
    t_srv=$(date +%s.%N); n_srv=$(tw_count fx-srv)
    a_cli=$(tw_count fx-cli all); a_srv=$(tw_count fx-srv all)
    finish_capture
    grep -h "dropped by kernel" "$WORK/tcpdump.log" | tail -n 1 | sed 's/^/  tcpdump: /' >&2
    read -r first last < <(tshark -r "$f" -T fields -e frame.time_epoch 2>/dev/null | sed -n '1p;$p' | tr '\n' ' ')
    dur=$(python3 -c "print('%.3f' % ($last - $first))")
    delay=$(python3 -c "print('%.3f' % (max($t_cli, $t_srv) - $last))")
    log "  $CHURN_N connections in $(python3 -c "print('%.2f' % ($t_cli - 0.1 - $t_start))") s;" \
        "first packet $first, last packet $last (capture duration $dur s)"
    log "  ss TIME_WAIT (port $PORT): fx-cli $n_cli at $t_cli, fx-srv $n_srv at $t_srv" \
        "($delay s after the last packet); any port: fx-cli $a_cli, fx-srv $a_srv"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name.pcap" "$n_cli" "$n_srv" "$dur" "$delay" > "$f.tw"
}

# Client closes first (TIME_WAIT in fx-cli); the server closes as soon as it has read the EOF.
case_tw-churn-client-closes() {
    churn_case "$1" "send:10,recv:10,close" "recv:10,send:10,eof,close"
}
# Server closes first right after its response (TIME_WAIT in fx-srv); the client reads the response,
# waits for the EOF, then closes.
case_tw-churn-server-closes() {
    churn_case "$1" "send:10,recv:10,eof,close" "recv:10,send:10,close"
}

# tw_record ROWFILE : put the row (see churn_case) into $OUT/time-wait-counts.tsv, replacing the file's old row
tw_record() {
    local tsv="$OUT/time-wait-counts.tsv" row file
    row=$(cat "$1")
    file=${row%%$'\t'*}
    { [ -f "$tsv" ] && awk -F'\t' -v f="$file" '$1 != f' "$tsv"; echo "$row"; } | sort > "$tsv.new"
    mv "$tsv.new" "$tsv"
    chmod 644 "$tsv"
}

# ------------------------------------------------------------ data phase ---
# fx-cli -- fx-rtr -- fx-srv again, with segmentation offloads off on all four veth ends, so every packet
# the capture sees is one wire-sized segment (at most one MSS, 1448 bytes with the timestamp option).
# For each of these cases run_one also writes Fixtures/NAME.tshark.tsv: tshark's expert analysis per frame
# (expert_tsv below).
EXPERT=(bulk-loss-mid bulk-loss-after zero-window keepalive)
EXPERT_FIELDS=(frame.number tcp.srcport tcp.flags.str tcp.seq tcp.ack tcp.len tcp.window_size
    tcp.analysis.retransmission tcp.analysis.fast_retransmission tcp.analysis.spurious_retransmission
    tcp.analysis.out_of_order tcp.analysis.lost_segment tcp.analysis.ack_lost_segment
    tcp.analysis.duplicate_ack tcp.analysis.zero_window tcp.analysis.zero_window_probe
    tcp.analysis.window_full tcp.analysis.keep_alive tcp.options.sack_le tcp.options.sack_re)

expert_tsv() {  # expert_tsv PCAP TSV : header line "#field<TAB>field...", then one row per frame
    local args=() fld
    for fld in "${EXPERT_FIELDS[@]}"; do args+=(-e "$fld"); done
    { (IFS=$'\t'; printf '#%s\n' "${EXPERT_FIELDS[*]}")
      tshark -r "$1" -T fields -E separator=/t "${args[@]}"
    } > "$2" || die "tshark $1"
    chmod 644 "$2"
}

no_offload() {  # no_offload NS IFACE... : ethtool -K IFACE tso off gso off gro off
    local ns=$1 i; shift
    command -v ethtool >/dev/null || die "ethtool not found (apt-get install ethtool)"
    for i in "$@"; do
        nsx "$ns" ethtool -K "$i" tso off gso off gro off 2>/dev/null || die "ethtool -K $i tso off gso off gro off"
    done
}
topo3_plain() {  # topo3 without segmentation offloads
    topo3
    no_offload fx-cli cli0; no_offload fx-rtr rtr1 rtr2; no_offload fx-srv srv0
    log "  ethtool -K {cli0,rtr1,rtr2,srv0} tso off gso off gro off"
}
delay_rtr() {  # delay_rtr MS : every TCP packet fx-rtr forwards is held MS ms (netem, else NFQUEUE + nfqdelay.py); sets NFQ
    local ms=$1 i
    NFQ=""
    if has_netem; then
        nsx fx-rtr tc qdisc add dev rtr1 root netem delay ${ms}ms limit 10000
        nsx fx-rtr tc qdisc add dev rtr2 root netem delay ${ms}ms limit 10000
        log "  fx-rtr: netem delay ${ms}ms on rtr1 and rtr2"
    else
        nsx fx-rtr iptables -A FORWARD -p tcp -j NFQUEUE --queue-num 0 || die iptables
        rm -f "$WORK/nfq-ready"
        bg ip netns exec fx-rtr python3 "$HERE/nfqdelay.py" --queue 0 --delay-ms "$ms" --ready "$WORK/nfq-ready"
        NFQ=$LAST
        for i in $(seq 100); do [ -e "$WORK/nfq-ready" ] && break; sleep 0.05; done
        log "  fx-rtr: iptables -A FORWARD -p tcp -j NFQUEUE + nfqdelay.py ($ms ms each way)"
    fi
}
kernel_drops() {  # kernel_drops FILE : the capture is no good if tcpdump lost packets (a false hole)
    local n
    n=$(grep -h "dropped by kernel" "$WORK/tcpdump.log" | tail -n 1 | awk '{print $1}')
    if [ "${n:-0}" != 0 ]; then
        log "  tcpdump: $n packets dropped by kernel: capture discarded"
        rm -f "$1"
    fi
}

# Bulk transfer with random loss: the client sends BULK_BYTES (207 full segments) in one send() and closes;
# the server reads everything, then closes.  fx-rtr drops ~3 % of the client's data packets (IP length
# >= 200: never a SYN, pure ACK or bare FIN; retransmissions are subject to the same rule), then holds
# every TCP packet BULK_DELAY_MS (RTT = 2 x BULK_DELAY_MS, so loss recovery takes visible round trips
# instead of microseconds).  Headers only (-s 128) to keep the files small.
BULK_BYTES=299736
BULK_LOSS=0.03
BULK_DELAY_MS=10
export FX_BULK_BYTES=$BULK_BYTES   # fixture-check.py wants this many bytes
bulk_case() {  # bulk_case OUTFILE CAPNS CAPIF SPORT
    local f=$1 cns=$2 cif=$3 sport=$4 n
    topo3_plain
    nsx fx-rtr iptables -A FORWARD -p tcp -s $CLI -d $SRV --dport $PORT -m length --length 200:65535 \
        -m statistic --mode random --probability $BULK_LOSS -m comment --comment fxloss -j DROP || die iptables
    log "  fx-rtr: iptables -A FORWARD -p tcp -s $CLI -d $SRV --dport $PORT -m length --length 200:65535" \
        "-m statistic --mode random --probability $BULK_LOSS -j DROP"
    delay_rtr $BULK_DELAY_MS
    capture "$cns" "$cif" "$f" -s 128 tcp
    server fx-srv $SRV --steps "eof,close"
    client fx-cli $SRV --src-port "$sport" --steps "send:$BULK_BYTES,close"
    reap "$SERVER"
    finish_capture
    n=$(nsx fx-rtr iptables -L FORWARD -v -x -n | awk '/fxloss/ {print $1}')
    log "  fx-rtr: the loss rule dropped ${n:-?} packet(s)"
    [ -n "$NFQ" ] && stop "$NFQ" TERM
    kernel_drops "$f"
}
# Captured at the receiver (srv0, behind the loss): the lost originals are not in the file.
case_bulk-loss-mid()   { bulk_case "$1" fx-srv srv0 41018; }
# Captured at the sender (cli0, before the loss): every original is in the file, retransmissions repeat them.
case_bulk-loss-after() { bulk_case "$1" fx-cli cli0 41019; }

# Zero window: the server (receiver) has SO_RCVBUF 4096 (set before listen()) and sleeps 3 s before its
# first read while the client sends ZW_BYTES; the window closes, the client's persist timer probes, then
# the server reads everything and the window opens again.  Client-side capture.
ZW_BYTES=16384
export FX_ZW_BYTES=$ZW_BYTES
case_zero-window() {
    local f=$1
    topo3_plain
    capture fx-cli cli0 "$f" tcp
    server fx-srv $SRV --rcvbuf 4096 --steps "sleep:3,eof,close"
    client fx-cli $SRV --src-port 41020 --steps "send:$ZW_BYTES,close"
    reap "$SERVER"
    finish_capture
}

# Keep-alive: request/response, then the client's connection stays idle for 4.5 s with SO_KEEPALIVE,
# TCP_KEEPIDLE 1, TCP_KEEPINTVL 1 (TCP_KEEPCNT 5): a probe about every second, each ACKed; then the client
# closes (four-way close).  Client-side capture.
case_keepalive() {
    local f=$1
    topo3_plain
    capture fx-cli cli0 "$f" tcp
    server fx-srv $SRV --steps "$SERVER_REQ,eof,sleep:0.1,close"
    client fx-cli $SRV --src-port 41021 --keepalive 1:1:5 --steps "$CLIENT_REQ,sleep:4.5,close"
    reap "$SERVER"
    finish_capture
}

# ------------------------------------------------------------------ driver ---
outputs_of() {  # the fixture files a case name produces
    case $1 in
        rotated) echo rotated-1.pcap rotated-2.pcap rotated-3.pcap ;;
        *.pcapng) echo "$1" ;;
        *) echo "$1.pcap" ;;
    esac
}

run_one() {
    local name=$1 try o tmp ok=1
    declare -F "case_$name" >/dev/null || die "unknown fixture '$name' (see --list)"
    for try in $(seq "$FX_TRIES"); do
        log "== $name (attempt $try)"
        cleanup
        if [ "$name" = rotated ]; then
            tmp="$WORK/rotated"
        else
            tmp="$WORK/$(outputs_of "$name")"
        fi
        rm -f "$tmp" "$tmp.tw"
        "case_$name" "$tmp"
        cleanup
        local files=()
        for o in $(outputs_of "$name"); do files+=("$WORK/$o"); done
        if "${CHECK[@]}" check "$name" "${files[@]}"; then ok=0; break; fi
        log "   $name does not show what its name says yet; again"
    done
    [ $ok -eq 0 ] || log "   WARNING: $name kept after $FX_TRIES attempts although the check failed"
    for o in $(outputs_of "$name"); do cp "$WORK/$o" "$OUT/$o"; chmod 644 "$OUT/$o"; done
    for o in $(outputs_of "$name"); do [ -s "$WORK/$o.tw" ] && tw_record "$WORK/$o.tw"; done
    case " ${EXPERT[*]} " in
        *" $name "*) expert_tsv "$OUT/$name.pcap" "$OUT/$name.tshark.tsv" ;;
    esac
    return $ok
}

main() {
    if [ "${1:-}" = --list ]; then printf '%s\n' "${ALL[@]}"; exit 0; fi
    [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, iptables, tcpdump): sudo bash $0 $*"
    local t
    for t in tcpdump dumpcap editcap tshark iptables ip python3; do
        command -v $t >/dev/null || die "$t not found"
    done
    WORK=$(mktemp -d /tmp/fx-capture.XXXXXX)
    chmod 755 "$WORK"
    mkdir -p "$OUT"
    local names=("$@") failed=()
    [ ${#names[@]} -eq 0 ] && names=("${ALL[@]}")
    local n
    for n in "${names[@]}"; do
        run_one "$n" || failed+=("$n")
    done
    "${CHECK[@]}" refresh "$OUT" || die "refreshing expected.tsv / README listings failed"
    if [ ${#failed[@]} -gt 0 ]; then
        log "cases whose check still failed: ${failed[*]}"
        exit 2
    fi
    log "done: ${names[*]}"
}

main "$@"
