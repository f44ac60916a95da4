#!/usr/bin/env python3
"""Delay every packet sent to an NFQUEUE by a fixed time, then ACCEPT it unchanged.

Why this exists: the kernel these fixtures are recorded on has no sch_netem, so
`tc qdisc add dev X root netem delay 100ms` is not available.  This is the same
effect from user space: an iptables rule in the router namespace sends packets
to NFQUEUE, this program holds each one for DELAY milliseconds and gives the
verdict NF_ACCEPT.  Packets are never modified (verdicts carry no payload) and
leave in the order they came (one FIFO, one fixed delay).

Usage (inside the namespace that has the NFQUEUE rule):
  nfqdelay.py --queue 0 --delay-ms 100 [--ready FILE]
Stops on SIGTERM / SIGINT.  Standard library only (raw netlink socket).
"""
import argparse
import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2


def attr(kind, payload):
    ln = 4 + len(payload)
    return struct.pack("=HH", ln, kind) + payload + b"\0" * ((4 - ln % 4) % 4)


class Queue:
    def __init__(self, num):
        self.num = num
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.bind((0, 0))
        self.request(NFQNL_MSG_CONFIG, attr(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, 0)), ack=True)
        self.request(NFQNL_MSG_CONFIG, attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)), ack=True)

    def request(self, msg, payload, ack=False):
        self.seq += 1
        body = struct.pack("!BBH", socket.AF_UNSPEC, 0, self.num) + payload
        flags = NLM_F_REQUEST | (NLM_F_ACK if ack else 0)
        hdr = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg, flags, self.seq, 0)
        self.sock.send(hdr + body)
        if ack:
            data = self.sock.recv(65536)
            _, typ, _, _, _ = struct.unpack_from("=IHHII", data)
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("=i", data, 16)[0]
                if err != 0:
                    raise OSError(-err, os.strerror(-err))

    def verdict(self, packet_id):
        self.request(NFQNL_MSG_VERDICT, attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id)))

    def packets(self, data):
        off = 0
        while off + 16 <= len(data):
            ln, typ, _, _, _ = struct.unpack_from("=IHHII", data, off)
            if ln < 16:
                break
            if typ == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                a = off + 16 + 4
                end = off + ln
                while a + 4 <= end:
                    alen, akind = struct.unpack_from("=HH", data, a)
                    if alen < 4:
                        break
                    if (akind & 0x7FFF) == NFQA_PACKET_HDR:
                        yield struct.unpack_from("!I", data, a + 4)[0]
                    a += (alen + 3) & ~3
            off += (ln + 3) & ~3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queue", type=int, default=0)
    ap.add_argument("--delay-ms", type=float, default=100.0)
    ap.add_argument("--ready", help="file to create once the queue is bound")
    args = ap.parse_args()
    delay = args.delay_ms / 1000.0
    q = Queue(args.queue)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    if args.ready:
        open(args.ready, "w").close()
    pending = collections.deque()
    held = 0
    while not stop:
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            q.verdict(pending.popleft()[1])
        timeout = max(0.0, pending[0][0] - now) if pending else 0.5
        try:
            r, _, _ = select.select([q.sock], [], [], timeout)
        except InterruptedError:
            continue
        if r:
            data = q.sock.recv(65536)
            t = time.monotonic()
            for pid in q.packets(data):
                pending.append((t + delay, pid))
                held += 1
    for _, pid in pending:
        q.verdict(pid)
    sys.stderr.write("nfqdelay: delayed %d packets by %.0f ms\n" % (held, args.delay_ms))


if __name__ == "__main__":
    main()
