#!/usr/bin/env python3
"""Check that a captured fixture shows what its name says, and describe fixtures.

  fixture-check.py check NAME FILE...   exit 0 when FILE(s) show what NAME says
  fixture-check.py refresh DIR          rewrite DIR/expected.tsv and the generated
                                        listing blocks of DIR/README.md
  fixture-check.py listing FILE         print the listing block of one file

Everything is read through tshark (the reference) and `tcpdump -r` (for the
link-type name as libpcap reports it).  The server is always the endpoint with
TCP port 8080; the other endpoint is the client.
"""
import os
import re
import subprocess
import sys

SERVER_PORT = 8080
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
FLAG_NAMES = [(FIN, "FIN"), (SYN, "SYN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"),
              (URG, "URG"), (ECE, "ECE"), (CWR, "CWR")]

FIELDS = ["frame.number", "frame.time_relative", "frame.len", "frame.cap_len",
          "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
          "tcp.flags", "tcp.seq", "tcp.ack", "tcp.len", "tcp.seq_raw", "tcp.ack_raw",
          "tcp.stream", "tcp.hdr_len", "ip.hdr_len", "vlan.id", "ieee8021ad.id",
          "tcp.analysis.retransmission", "tcp.analysis.duplicate_ack",
          "tcp.window_size", "tcp.analysis.fast_retransmission", "tcp.analysis.out_of_order",
          "tcp.analysis.lost_segment", "tcp.analysis.zero_window", "tcp.analysis.keep_alive",
          "tcp.options.sack_le", "tcp.analysis.window_full", "tcp.analysis.window_update",
          "tcp.analysis.keep_alive_ack"]

# The fixtures in the order of the README, with the generated-block names.
ORDER = ["lo-ipv4.pcap", "any-sll2.pcap", "any-sll.pcap", "lo-ipv6.pcap", "vlan.pcap",
         "qinq.pcap", "nano.pcap", "lo-ipv4.pcapng", "snaplen-60.pcap",
         "rotated-1.pcap", "rotated-2.pcap", "rotated-3.pcap", "truncated.pcap",
         "close-4way-client-first.pcap", "close-4way-server-first.pcap", "close-3way.pcap",
         "half-close.pcap", "close-simultaneous.pcap", "refused.pcap", "syn-retransmit.pcap",
         "synack-retransmit.pcap", "half-open.pcap", "half-open-peer.pcap", "fin-retransmit.pcap",
         "last-ack-lost.pcap", "rst-client.pcap", "rst-server.pcap", "tw-reuse-client.pcap",
         "tw-reuse-server.pcap", "ipv6-close.pcap", "mid-stream.pcap", "zero-window.pcap",
         "keepalive.pcap"]
# Fixtures with a row in expected.tsv but no generated listing (too many frames; README.md summarises them).
ROW_ONLY = ["bulk-loss-mid.pcap", "bulk-loss-after.pcap"]


class P:
    """One TCP frame as tshark decodes it."""

    def __init__(self, row):
        v = dict(zip(FIELDS, row + [""] * (len(FIELDS) - len(row))))
        self.fr = int(v["frame.number"])
        self.t = float(v["frame.time_relative"])
        self.flen = int(v["frame.len"])
        self.caplen = int(v["frame.cap_len"])
        self.src = v["ip.src"] or v["ipv6.src"]
        self.dst = v["ip.dst"] or v["ipv6.dst"]
        self.v6 = bool(v["ipv6.src"]) and not v["ip.src"]
        self.sp = int(v["tcp.srcport"] or 0)
        self.dp = int(v["tcp.dstport"] or 0)
        self.flags = int(v["tcp.flags"], 16) if v["tcp.flags"] else 0
        self.seq = int(v["tcp.seq"] or 0)
        self.ack = int(v["tcp.ack"] or 0)
        self.len = int(v["tcp.len"] or 0)
        self.seqraw = int(v["tcp.seq_raw"] or 0)
        self.ackraw = int(v["tcp.ack_raw"] or 0)
        self.stream = int(v["tcp.stream"] or 0)
        self.tcphdr = int(v["tcp.hdr_len"] or 0)
        self.iphdr = int(v["ip.hdr_len"] or (40 if v["ipv6.src"] else 0))
        self.vlan = [int(x) for x in v["vlan.id"].split(",") if x]
        self.qinq = [int(x) for x in v["ieee8021ad.id"].split(",") if x]
        self.retrans = bool(v["tcp.analysis.retransmission"])
        self.dupack = bool(v["tcp.analysis.duplicate_ack"])
        self.win = int(v["tcp.window_size"] or 0)
        self.fastrt = bool(v["tcp.analysis.fast_retransmission"])
        self.ooo = bool(v["tcp.analysis.out_of_order"])
        self.lost = bool(v["tcp.analysis.lost_segment"])
        self.zerowin = bool(v["tcp.analysis.zero_window"])
        self.keepalive = bool(v["tcp.analysis.keep_alive"])
        self.sack = bool(v["tcp.options.sack_le"])
        self.winfull = bool(v["tcp.analysis.window_full"])
        self.winupd = bool(v["tcp.analysis.window_update"])
        self.kaack = bool(v["tcp.analysis.keep_alive_ack"])
        self.c2s = self.dp == SERVER_PORT

    def has(self, f):
        return bool(self.flags & f)

    @property
    def pure_ack(self):
        return (self.flags & (SYN | FIN | RST | ACK)) == ACK and self.len == 0

    @property
    def end(self):  # relative sequence number just after this segment (SYN/FIN count 1)
        return self.seq + self.len + (1 if self.flags & (SYN | FIN) else 0)

    def expert(self):  # tshark's tcp.analysis flags of this frame, short
        tags = [("Retransmission", self.retrans and not self.fastrt), ("Fast-Retransmission", self.fastrt),
                ("Out-Of-Order", self.ooo), ("Previous-segment-not-captured", self.lost),
                ("Dup-ACK", self.dupack), ("Window-Full", self.winfull), ("ZeroWindow", self.zerowin),
                ("Window-Update", self.winupd), ("Keep-Alive", self.keepalive), ("Keep-Alive-ACK", self.kaack)]
        return ",".join(t for t, on in tags if on) or "-"

    def flagstr(self):
        return ",".join(n for f, n in FLAG_NAMES if self.flags & f) or "-"

    def ep(self, src=True):
        a, p = (self.src, self.sp) if src else (self.dst, self.dp)
        return ("[%s]:%d" if ":" in a else "%s:%d") % (a, p)


def tshark_rows(path):
    cmd = ["tshark", "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=/t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True)
    rows = []
    for line in r.stdout.splitlines():
        cols = line.split("\t")
        # multi-occurrence fields: keep the first value except for the VLAN ids
        cols = [c if FIELDS[i] in ("vlan.id", "ieee8021ad.id") else c.split(",")[0]
                for i, c in enumerate(cols)]
        rows.append(P(cols))
    return rows


def frame_count(path):
    r = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True)
    return len(r.stdout.split())


def linktype(path):
    r = subprocess.run(["tcpdump", "-nr", path, "-c", "1"], capture_output=True, text=True)
    m = re.search(r"link-type (\S+)", r.stderr + r.stdout)
    return m.group(1) if m else "?"


def conversations(path):
    """tshark -q -z conv,tcp: list of (A, B, frames A->B, frames B->A)."""
    r = subprocess.run(["tshark", "-q", "-z", "conv,tcp", "-r", path], capture_output=True, text=True)
    convs = []
    for line in r.stdout.splitlines():
        m = re.match(r"^(\S+)\s+<->\s+(\S+)\s+(\d+)\s+[\d,.]+\s+\S+\s+(\d+)\s+[\d,.]+\s+\S+\s+(\d+)", line)
        if m:
            a, b = m.group(1), m.group(2)
            convs.append((fmt_ep(a), fmt_ep(b), int(m.group(4)), int(m.group(3))))
    return convs


def fmt_ep(s):
    addr, port = s.rsplit(":", 1)
    return ("[%s]:%s" if ":" in addr else "%s:%s") % (addr, port)


def magic(path):
    with open(path, "rb") as fh:
        return fh.read(4)


# ------------------------------------------------------------------ checks ---
class Bad(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Bad(msg)


def first(ps, pred, after=None, what="packet"):
    for p in ps:
        if (after is None or p.fr > after.fr) and pred(p):
            return p
    raise Bad("no %s%s" % (what, "" if after is None else " after frame %d" % after.fr))


def fins(ps, c2s):
    return [p for p in ps if p.has(FIN) and p.c2s == c2s]


def basic(ps, nconv=1):
    need(ps, "no TCP frames")
    need(len({(p.src, p.sp, p.dst, p.dp) if p.c2s else (p.dst, p.dp, p.src, p.sp) for p in ps}) == nconv,
         "expected %d connection(s)" % nconv)
    first(ps, lambda p: p.c2s and p.flags & (SYN | ACK) == SYN, what="client SYN")
    first(ps, lambda p: not p.c2s and p.flags & (SYN | ACK) == SYN | ACK, what="server SYN-ACK")
    first(ps, lambda p: p.c2s and p.len > 0, what="client data")
    first(ps, lambda p: not p.c2s and p.len > 0, what="server data")


def clean_close(ps):
    need(fins(ps, True) and fins(ps, False), "not both FINs")
    need(not any(p.has(RST) for p in ps), "RST present")


def check_4way(ps, client_first):
    basic(ps)
    clean_close(ps)
    a = fins(ps, client_first)[0]
    b = fins(ps, not client_first)[0]
    need(a.fr < b.fr, "wrong side closed first")
    need(len(fins(ps, True)) == 1 and len(fins(ps, False)) == 1, "FIN retransmitted")
    # the passive side ACKs the first FIN on its own before sending its FIN
    mid = [p for p in ps if a.fr < p.fr < b.fr and p.c2s != a.c2s]
    need(any(p.pure_ack and p.ack == a.end for p in mid), "no separate ACK of the first FIN (3-way?)")
    need(b.ack == a.end, "second FIN does not ack the first")
    last = first(ps, lambda p: p.c2s == a.c2s and p.has(ACK), after=b, what="final ACK")
    need(last.ack == b.end and not last.has(FIN), "final ACK does not ack the second FIN")


def check_churn(ps, files, server_first):
    """tw-churn-*: FX_CHURN_N (2000) sequential connections from distinct client ports, each with one SYN,
    one SYN-ACK, a 10-byte request and response and a clean close begun by the expected side; and, from the
    FILE.tw row capture-fixtures.sh wrote next to the capture, the ss TIME_WAIT counts: all on the closing
    side, none on the other, taken well within the 60 s TIME_WAIT."""
    want = int(os.environ.get("FX_CHURN_N", "2000"))
    conns = {}
    for p in ps:
        key = (p.src, p.sp, p.dst, p.dp) if p.c2s else (p.dst, p.dp, p.src, p.sp)
        conns.setdefault(key, []).append(p)
    need(len(conns) == want, "%d connections, want %d" % (len(conns), want))
    need(len({k[1] for k in conns}) == want, "a client port was used twice")
    need(not any(p.has(RST) for p in ps), "RST present")
    for key, c in conns.items():
        where = "connection from port %d" % key[1]
        syn = [p for p in c if p.has(SYN)]
        need(len(syn) == 2 and syn[0].c2s and not syn[0].has(ACK) and not syn[1].c2s and syn[1].has(ACK),
             "%s: not one SYN and one SYN-ACK" % where)
        need(sum(p.len for p in c if p.c2s) == 10 and sum(p.len for p in c if not p.c2s) == 10,
             "%s: not 10 bytes each way" % where)
        cf, sf = fins(c, True), fins(c, False)
        need(len(cf) == 1 and len(sf) == 1, "%s: not one FIN each way" % where)
        a, b = (sf[0], cf[0]) if server_first else (cf[0], sf[0])
        need(a.fr < b.fr, "%s: wrong side closed first" % where)
        need(b.ack == a.end, "%s: second FIN does not ack the first" % where)
        first(c, lambda p: p.c2s == a.c2s and p.has(ACK) and not p.has(FIN) and p.ack == b.end, after=b,
              what="%s: final ACK" % where)
    tw = files[0] + ".tw"
    if os.path.exists(tw):
        f = open(tw).read().split("\t")
        n_cli, n_srv, dur, delay = int(f[1]), int(f[2]), float(f[3]), float(f[4])
        closer, other = (n_srv, n_cli) if server_first else (n_cli, n_srv)
        need(closer == want, "ss: %d TIME_WAIT sockets on the closing side, want %d" % (closer, want))
        need(other == 0, "ss: %d TIME_WAIT sockets on the passive side" % other)
        need(0 <= delay < 1, "ss count %.3f s after the last packet" % delay)
        need(dur + delay < 50, "run too long for the 60 s TIME_WAIT")


MSS = 1448  # 1460 - 12 bytes of timestamp option, on the 1500-byte veths


def one_conn(ps):
    need(ps, "no TCP frames")
    need(len({(p.src, p.sp, p.dst, p.dp) if p.c2s else (p.dst, p.dp, p.src, p.sp) for p in ps}) == 1,
         "expected 1 connection")
    first(ps, lambda p: p.c2s and p.flags & (SYN | ACK) == SYN, what="client SYN")
    first(ps, lambda p: not p.c2s and p.flags & (SYN | ACK) == SYN | ACK, what="server SYN-ACK")


def delivered(ps, c2s):
    """bytes of the direction's stream covered by the captured data segments (relative seq starts at 1)"""
    return max((p.seq + p.len for p in ps if p.c2s == c2s and p.len > 0), default=1) - 1


def check_bulk(ps, sender_side):
    """bulk-loss-*: one connection, FX_BULK_BYTES client->server in segments of at most one MSS, no server
    data, a clean close; random loss in the router shows as retransmissions (>= 2, one of them a fast
    retransmission) and dup ACKs carrying SACK blocks.  Receiver side (mid): holes (tshark "previous segment
    not captured").  Sender side (after): no hole, every retransmission repeats bytes already captured."""
    want = int(os.environ.get("FX_BULK_BYTES", "299736"))
    one_conn(ps)
    clean_close(ps)
    data = [p for p in ps if p.c2s and p.len > 0]
    need(not any(not p.c2s and p.len > 0 for p in ps), "server sent data")
    need(all(p.len <= MSS for p in data), "a segment larger than the MSS (offloads on?)")
    need(delivered(ps, True) == want, "%d bytes, want %d" % (delivered(ps, True), want))
    rt = [p for p in data if p.retrans or p.fastrt or p.ooo]
    need(len(rt) >= 2, "%d retransmissions, want >= 2" % len(rt))
    need(any(p.fastrt for p in data), "no fast retransmission")
    need(any(not p.c2s and p.dupack and p.sack for p in ps), "no dup ACK with SACK blocks")
    holes = [p for p in data if p.lost]
    if sender_side:
        need(not holes, "a hole at the sender (frame %d)" % (holes[0].fr if holes else 0))
        nxt = 1
        for p in data:
            need(p.seq <= nxt, "bytes %d-%d missing before frame %d" % (nxt, p.seq, p.fr))
            nxt = max(nxt, p.seq + p.len)
        need(all(p.seq + p.len <= max(q.seq + q.len for q in data if q.fr < p.fr) for p in rt),
             "a retransmission of bytes not captured before")
    else:
        need(len(holes) >= 2, "%d holes, want >= 2 (capture not behind the loss?)" % len(holes))


def check_zero_window(ps):
    """zero-window: the server advertises window 0 (not in the handshake) for >= 2 s, the client probes it
    (segments of 0 or 1 byte at snd.una - 1 or snd.una) and the server answers with window 0, then the
    window opens, all FX_ZW_BYTES arrive and the connection closes cleanly."""
    want = int(os.environ.get("FX_ZW_BYTES", "16384"))
    one_conn(ps)
    clean_close(ps)
    need(delivered(ps, True) == want, "%d bytes, want %d" % (delivered(ps, True), want))
    zw = [p for p in ps if not p.c2s and not p.has(SYN) and p.win == 0]
    need(zw, "the server never advertised window 0")
    need(all(p.zerowin for p in zw), "tshark does not flag every window 0 as ZeroWindow")
    opened = first(ps, lambda p: not p.c2s and p.win > 0, after=zw[-1], what="window opening")
    need(opened.t - zw[0].t >= 2, "window 0 for only %.3f s" % (opened.t - zw[0].t))
    probes = [p for p in ps if p.c2s and p.len <= 1 and not p.has(FIN) and zw[0].fr < p.fr < opened.fr]
    need(len(probes) >= 2, "%d window probes, want >= 2" % len(probes))
    need(all(p.seq in (zw[0].ack - 1, zw[0].ack) for p in probes), "a probe at an odd sequence number")
    need(any(not p.c2s and p.win == 0 and p.fr > probes[0].fr for p in zw), "no probe was answered")
    need(first(ps, lambda p: p.c2s and p.len > 0, after=opened, what="data after the window opened"),
         "no data after the window opened")


def check_keepalive(ps):
    """keepalive: request/response, then >= 3 client keep-alive probes (0 or 1 byte at snd.nxt - 1) about
    1 s apart, each answered by a server ACK, no data in between, then a clean close."""
    one_conn(ps)
    clean_close(ps)
    probes = [p for p in ps if p.c2s and p.len <= 1 and not p.has(SYN | FIN | RST) and p.keepalive]
    need(len(probes) >= 3, "%d keep-alive probes, want >= 3" % len(probes))
    sent = max(p.seq + p.len for p in ps if p.c2s and p.len > 0)
    need(all(p.seq == sent - 1 for p in probes), "a probe not at snd.nxt - 1")
    for a, b in zip(probes, probes[1:]):
        need(0.8 <= b.t - a.t <= 1.6, "probes %d and %d %.3f s apart" % (a.fr, b.fr, b.t - a.t))
    for p in probes:
        ack = first(ps, lambda q: not q.c2s, after=p, what="answer to probe %d" % p.fr)
        need(ack.pure_ack and ack.ack == sent, "frame %d does not answer probe %d" % (ack.fr, p.fr))
    need(not any(p.len > 1 and probes[0].fr < p.fr < probes[-1].fr for p in ps), "data between the probes")


def check_half_open_peer(ps):
    """half-open-peer (RFC 9293 3.5, figure 9), client side: 1 SYN; 2 a server ACK (nothing else) whose ack is
    not the client's ISN + 1; 3 the client's RST with seq = that ack and no ACK bit (<SEQ=SEG.ACK><CTL=RST>);
    4 the SYN again, same ISN; 5 SYN-ACK acknowledging ISN + 1; 6 ACK; then data both ways and a client-first
    four-way close, no other RST."""
    need(len(ps) >= 6, "%d frames" % len(ps))
    syn, old, rst, syn2, sa, ack = ps[:6]
    need(syn.c2s and syn.flags == SYN, "frame 1 not the client SYN")
    isn = syn.seqraw
    need(not old.c2s and old.flags == ACK and old.len == 0, "frame 2 not a bare ACK from the server")
    need(old.ackraw != (isn + 1) % 2 ** 32, "frame 2 acknowledges the SYN")
    need(rst.c2s and rst.flags == RST, "frame 3 not a client RST without ACK")
    need(rst.seqraw == old.ackraw and rst.len == 0, "RST seq %d, want the ACK's ack %d" % (rst.seqraw, old.ackraw))
    need(syn2.c2s and syn2.flags == SYN and syn2.seqraw == isn, "frame 4 not the same SYN again")
    need(not sa.c2s and sa.flags == SYN | ACK and sa.ackraw == (isn + 1) % 2 ** 32, "frame 5 not the SYN-ACK")
    need(ack.c2s and ack.pure_ack and ack.ackraw == (sa.seqraw + 1) % 2 ** 32, "frame 6 not the handshake ACK")
    need(sum(1 for p in ps if p.has(SYN)) == 3, "more SYNs")
    need(not any(p.has(RST) for p in ps[3:]), "another RST")
    check_4way(ps[3:], True)


def check(name, files):
    ps = tshark_rows(files[0]) if files else []
    lt = linktype(files[0]) if files else None
    if name in ("lo-ipv4", "any-sll2", "any-sll", "lo-ipv6", "nano", "lo-ipv4.pcapng", "vlan", "qinq"):
        basic(ps)
        clean_close(ps)
        want = {"any-sll2": "LINUX_SLL2", "any-sll": "LINUX_SLL"}.get(name, "EN10MB")
        need(lt == want, "link type %s, want %s" % (lt, want))
        if name == "lo-ipv6":
            need(all(p.v6 for p in ps), "not all IPv6")
        elif name not in ("vlan", "qinq"):
            need(all(p.src == "127.0.0.1" for p in ps), "not all 127.0.0.1")
        if name == "nano":
            need(magic(files[0]) in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"), "not a nanosecond pcap")
        if name == "lo-ipv4.pcapng":
            need(magic(files[0]) == b"\x0a\x0d\x0d\x0a", "not pcapng")
        if name == "vlan":
            need(all(p.vlan == [100] and not p.qinq for p in ps), "not every frame 802.1Q 100 only")
        if name == "qinq":
            need(all(p.qinq == [200] and p.vlan == [100] for p in ps), "not every frame 802.1ad 200 + 802.1Q 100")
    elif name == "snaplen-60":
        basic(ps)
        need(all(p.caplen <= 60 for p in ps), "caplen > 60")
        need(any(p.caplen < p.flen for p in ps), "nothing cut")
        need(any(14 + p.iphdr + p.tcphdr > p.caplen for p in ps), "no frame with a cut TCP header")
    elif name == "rotated":
        need(len(files) == 3, "want 3 files")
        need(all(magic(f) in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4") for f in files), "not pcap (editcap -F pcap)")
        sets = [{p.sp if p.c2s else p.dp for p in tshark_rows(f)} for f in files]
        need(len(set.union(*sets)) == 3, "want 3 connections in all")
        need(any(all(k in s for s in sets) for k in sets[0]), "no connection in all three files")
    elif name == "truncated":
        need(frame_count(files[0]) >= 1, "no complete record")
    elif name == "close-4way-client-first":
        check_4way(ps, True)
    elif name == "close-4way-server-first":
        check_4way(ps, False)
    elif name == "ipv6-close":
        need(all(p.v6 for p in ps), "not IPv6")
        check_4way(ps, True)
    elif name == "close-3way":
        basic(ps)
        clean_close(ps)
        a, b = fins(ps, True)[0], fins(ps, False)[0]
        need(a.fr < b.fr, "server closed first")
        nxt = first(ps, lambda p: not p.c2s, after=a, what="server packet")
        need(nxt is b, "server sent frame %d before its FIN" % nxt.fr)
        need(b.ack == a.end, "server FIN does not ack the client FIN")
        last = first(ps, lambda p: p.c2s, after=b, what="final ACK")
        need(last.pure_ack and last.ack == b.end, "no final ACK")
    elif name == "half-close":
        basic(ps)
        clean_close(ps)
        a, b = fins(ps, True)[0], fins(ps, False)[0]
        need(a.fr < b.fr, "server closed first")
        data = [p for p in ps if not p.c2s and p.len > 0 and a.fr < p.fr]
        need(len(data) >= 1, "no server data after the client's FIN")
        need(all(p.ack == a.end for p in data), "server data does not ack the client FIN")
        need(not any(p.c2s and p.len > 0 and p.fr > a.fr for p in ps), "client data after its FIN")
    elif name == "close-simultaneous":
        basic(ps)
        clean_close(ps)
        a, b = fins(ps, True)[0], fins(ps, False)[0]
        need(b.ack < a.end, "server FIN acks the client FIN: not simultaneous")
        need(a.ack < b.end, "client FIN acks the server FIN: not simultaneous")
        first(ps, lambda p: p.c2s and p.has(ACK) and p.ack == b.end, what="client ACK of server FIN")
        first(ps, lambda p: not p.c2s and p.has(ACK) and p.ack == a.end, what="server ACK of client FIN")
    elif name == "refused":
        need(len(ps) == 2, "want 2 frames")
        need(ps[0].c2s and ps[0].flags == SYN, "first frame not the client SYN")
        need(not ps[1].c2s and ps[1].flags == RST | ACK and ps[1].ack == 1, "second frame not RST,ACK")
    elif name == "syn-retransmit":
        basic(ps)
        sa = first(ps, lambda p: p.flags & (SYN | ACK) == SYN | ACK, what="SYN-ACK")
        syns = [p for p in ps if p.c2s and p.flags & (SYN | ACK) == SYN and p.fr < sa.fr]
        need(len(syns) >= 2, "SYN not retransmitted")
        need(len({p.seqraw for p in syns}) == 1, "SYNs differ")
        need(syns[1].t - syns[0].t > 0.5, "retransmission too early")
    elif name == "synack-retransmit":
        basic(ps)
        sas = [p for p in ps if not p.c2s and p.flags & (SYN | ACK) == SYN | ACK]
        need(len(sas) >= 2 and len({p.seqraw for p in sas}) == 1, "SYN-ACK not retransmitted")
        need(not any(p.c2s and not p.has(SYN) and sas[0].fr < p.fr < sas[1].fr for p in ps),
             "the client's ACK reached the server before the retransmission")
        d = first(ps, lambda p: p.c2s and p.len > 0, what="client data")
        need(d.fr > sas[1].fr, "client data before the SYN-ACK retransmission")
    elif name == "half-open":
        need(ps and ps[0].c2s and ps[0].flags == SYN, "no SYN first")
        sas = [p for p in ps if not p.c2s and p.flags & (SYN | ACK) == SYN | ACK]
        need(len(sas) >= 3 and len({p.seqraw for p in sas}) == 1, "fewer than 2 SYN-ACK retransmissions")
        need(not any(p.c2s and p.has(ACK) for p in ps), "a client ACK reached the server")
        need(len(ps) == 1 + len(sas), "other frames present")
    elif name == "half-open-peer":
        check_half_open_peer(ps)
    elif name == "fin-retransmit":
        basic(ps)
        cf = fins(ps, True)
        need(len(cf) >= 2 and cf[0].seqraw == cf[1].seqraw, "client FIN not retransmitted")
        need(not any(not p.c2s and p.ack >= cf[0].end and cf[0].fr < p.fr < cf[1].fr for p in ps),
             "first FIN was acked")
        need(fins(ps, False), "no server FIN")
    elif name == "last-ack-lost":
        basic(ps)
        cf, sf = fins(ps, True), fins(ps, False)
        need(cf and sf and cf[0].fr < sf[0].fr, "client did not close first")
        need(len(sf) >= 2 and sf[0].seqraw == sf[1].seqraw, "server FIN not retransmitted")
        acks = [p for p in ps if p.c2s and p.pure_ack and p.ack == sf[0].end]
        need(len(acks) >= 2, "fewer than two client ACKs of the server FIN")
        need(sf[0].fr < acks[0].fr < sf[1].fr < acks[1].fr, "wrong order")
    elif name in ("rst-client", "rst-server"):
        basic(ps)
        by_client = name == "rst-client"
        rst = first(ps, lambda p: p.has(RST) and p.c2s == by_client, what="RST")
        need(not fins(ps, by_client), "aborting side sent a FIN")
        need(not any(p.has(RST) and p.c2s != by_client for p in ps), "RST from the other side")
        need(rst.fr > first(ps, lambda p: p.len > 0).fr, "no data before the RST")
    elif name in ("tw-reuse-client", "tw-reuse-server"):
        syns = [p for p in ps if p.c2s and p.flags & (SYN | ACK) == SYN]
        need(len(syns) == 2, "want two SYNs")
        need(syns[0].sp == syns[1].sp and syns[0].seqraw != syns[1].seqraw, "not the same source port")
        c1 = [p for p in ps if p.fr < syns[1].fr]
        c2 = [p for p in ps if p.fr >= syns[1].fr]
        for c in (c1, c2):
            basic(c)
            clean_close(c)
        a = fins(c1, True)[0]
        b = fins(c1, False)[0]
        if name == "tw-reuse-client":
            need(a.fr < b.fr, "client did not close first")
        else:
            need(b.fr < a.fr, "server did not close first")
        need(syns[1].t - c1[-1].t < 30, "second SYN too late for TIME_WAIT")
        first(c2, lambda p: not p.c2s and p.flags & (SYN | ACK) == SYN | ACK, what="second SYN-ACK")
    elif name in ("tw-churn-client-closes", "tw-churn-server-closes"):
        check_churn(ps, files, name == "tw-churn-server-closes")
    elif name in ("bulk-loss-mid", "bulk-loss-after"):
        check_bulk(ps, name == "bulk-loss-after")
    elif name == "zero-window":
        check_zero_window(ps)
    elif name == "keepalive":
        check_keepalive(ps)
    elif name == "mid-stream":
        need(ps, "empty")
        need(not any(p.has(SYN) for p in ps), "SYN captured")
        need(ps[0].len > 0 or ps[0].has(ACK), "odd first frame")
        need(sum(1 for p in ps if p.c2s and p.len > 0) >= 5, "too little data")
        clean_close(ps)
    else:
        raise Bad("no check for %s" % name)


# ----------------------------------------------------------------- listing ---
def listing(path, base_frame=0):
    ps = tshark_rows(path)
    nframes = frame_count(path)
    lt = linktype(path)
    convs = conversations(path)
    out = []
    multi = len({p.stream for p in ps}) > 1
    snap = any(p.caplen < p.flen for p in ps)
    vl = any(p.vlan or p.qinq for p in ps)
    # window and tshark's expert flags: only for the files about windows and keep-alives (the other
    # listings stay as they were)
    ex = any(p.zerowin or p.keepalive for p in ps)
    hdr = "%4s %11s  %-52s %-12s %6s %6s %5s" % ("#", "time(s)", "direction", "flags", "seq", "ack", "len")
    if base_frame:
        hdr = "%5s " % "orig#" + hdr
    if multi:
        hdr += " conn"
    if snap:
        hdr += "  cap/len  tcp-hdr"
    if vl:
        hdr += "  tags"
    if ex:
        hdr += " %6s  %s" % ("win", "tshark")
    out.append(hdr)
    for p in ps:
        who = "client→server" if p.c2s else "server→client"
        line = "%4d %11.6f  %-52s %-12s %6d %6d %5d" % (
            p.fr, p.t, "%s %s → %s" % (who, p.ep(True), p.ep(False)), p.flagstr(), p.seq, p.ack, p.len)
        if base_frame:
            line = "%5d " % (base_frame + p.fr) + line
        if multi:
            line += " %4d" % p.stream
        if snap:
            need_hdr = 14 + p.iphdr + p.tcphdr
            line += "  %3d/%-4d %s" % (p.caplen, p.flen,
                                        "complete" if p.caplen >= need_hdr else "CUT(%d<%d)" % (p.caplen, need_hdr))
        if vl:
            tags = ["802.1ad %d" % v for v in p.qinq] + ["802.1Q %d" % v for v in p.vlan]
            line += "  " + "+".join(tags)
        if ex:
            line += " %6d  %s" % (p.win, p.expert())
        out.append(line)
    if nframes != len(ps):
        out.append("(%d frames in the file, %d of them TCP)" % (nframes, len(ps)))
    out.append("")
    isn = []
    for p in ps:
        if p.has(SYN):
            isn.append("frame %d %s %s ISN %d" % (p.fr, "SYN" if not p.has(ACK) else "SYN-ACK",
                                                 p.ep(True), p.seqraw))
    if isn:
        out.append("Absolute ISNs (tcp.seq_raw): " + "; ".join(isn))
    else:
        out.append("No SYN in the file; absolute sequence numbers of the first frame: "
                   "seq_raw %d ack_raw %d" % (ps[0].seqraw, ps[0].ackraw) if ps else "No TCP frames.")
    out.append("Link type %s, %d frames; tshark -z conv,tcp: %d conversation(s): %s" % (
        lt, nframes, len(convs),
        "; ".join("%s <-> %s: %d frames A→B, %d frames B→A" % c for c in convs)))
    return "\n".join(out)


def expected_row(path):
    convs = conversations(path)
    return "\t".join([os.path.basename(path), linktype(path), str(frame_count(path)), str(len(convs)),
                      ";".join("%s>%s=%d/%d" % c for c in convs) or "-"])


def refresh(d):
    rows = []
    blocks = {}
    base = 0
    for name in ORDER + ROW_ONLY:
        path = os.path.join(d, name)
        if not os.path.exists(path):
            continue
        rows.append(expected_row(path))
        if name in ROW_ONLY:
            continue
        if name.startswith("rotated-"):
            if name == "rotated-1.pcap":
                base = 0
            blocks[name] = listing(path, base_frame=base)
            base += frame_count(path)
        else:
            blocks[name] = listing(path)
    with open(os.path.join(d, "expected.tsv"), "w") as fh:
        fh.write("\n".join(rows) + "\n")
    readme = os.path.join(d, "README.md")
    text = open(readme).read() if os.path.exists(readme) else "# Fixtures\n"
    for name, block in blocks.items():
        begin, end = "<!-- BEGIN GENERATED %s -->" % name, "<!-- END GENERATED %s -->" % name
        new = "%s\n```\n%s\n```\n%s" % (begin, block, end)
        if begin in text and end in text:
            text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: new, text, flags=re.S)
        else:
            text += "\n### %s\n\n%s\n" % (name, new)
    with open(readme, "w") as fh:
        fh.write(text)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "check":
        name, files = sys.argv[2], sys.argv[3:]
        try:
            check(name, files)
        except Bad as e:
            print("check %s: NOT AS NAMED: %s" % (name, e), file=sys.stderr)
            return 1
        print("check %s: ok" % name, file=sys.stderr)
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "refresh":
        refresh(sys.argv[2])
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "listing":
        print(listing(sys.argv[2]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
