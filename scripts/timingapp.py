#!/usr/bin/env python3
"""TCP client/server for the timing captures (scripts/timing-captures.sh); standard library only.

  timingapp.py server --scenario NAME --addr A --port P --json OUT [--ready FILE] [--mark FILE]
  timingapp.py client --scenario NAME --addr A --port P --src-port SP
  timingapp.py merge  OUT KEY=VALUE...      (VALUE parsed as JSON if it can be, else a string)
  timingapp.py tcpinfo-layout               (print the struct tcp_info layout used)

In every scenario the SERVER is the side whose kernel counters are recorded: it is the
data sender (slow-reader, app-limited, lossy, think-time, blackout) or the side that
closes late (delayed-close).  Once everything it sent is acknowledged (tcpi_unacked == 0,
polled every 1 ms, at most 5 s) and before it closes, the server reads
getsockopt(IPPROTO_TCP, TCP_INFO) (256-byte buffer) and writes one flat JSON object:
the tcp_info fields (as the kernel gives them: times in microseconds, except
tcpi_total_rto_time in milliseconds) and the application's own timestamps (seconds,
time.monotonic() differences; *_epoch values are time.time(), the clock tcpdump uses).

Scenarios (server side / client side):
  slow-reader    S: send 1.5 MB, wait acked, TCP_INFO, close.
                 C: SO_RCVBUF 16384 before connect(); loop { recv(4096); sleep 8 ms } until EOF, and
                    after each 256 KB read one longer pause of 250 ms (the window closes: zero windows
                    and persist probes).
  app-limited    S: 5 x { send 64 KB; sleep 300 ms } (times all acked of each burst are
                    polled during the sleep), wait acked, TCP_INFO, close.   C: read until EOF.
  lossy          S: send 1.5 MB, wait acked, TCP_INFO, close.   C: read until EOF.
  think-time     C: 3 x { send 200-byte request; read 20 KB response }, close.
                 S: 3 x { read 200 bytes (t_req); sleep 0.25 / 0.40 / 0.15 s; t_resp; send 20 KB },
                    wait acked, TCP_INFO, read EOF, close.  think_times_s[i] = t_resp - t_req.
  delayed-close  C: send 1000 bytes, close().
                 S: read until EOF (t_eof), TCP_INFO, sleep 1.5 s, TCP_INFO again (t_close), close().
                    close_delay_s = t_close - t_eof.
  blackout       S: send 1.5 MB, wait acked (at most 30 s), TCP_INFO, close; a thread polls TCP_INFO
                    every 1 ms and creates --mark FILE once tcpi_bytes_acked >= 300000 (the script
                    then blacks the router out).   C: read until EOF.
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

# struct tcp_info, field order from /usr/include/linux/tcp.h (every field naturally aligned,
# so the little-endian format below has no padding), up to tcpi_snd_wnd = 232 bytes.
TCP_INFO_FIELDS = [
    ("B", "tcpi_state"), ("B", "tcpi_ca_state"), ("B", "tcpi_retransmits"), ("B", "tcpi_probes"),
    ("B", "tcpi_backoff"), ("B", "tcpi_options"), ("B", "tcpi_wscale"), ("B", "tcpi_flags_byte"),
    ("I", "tcpi_rto"), ("I", "tcpi_ato"), ("I", "tcpi_snd_mss"), ("I", "tcpi_rcv_mss"),
    ("I", "tcpi_unacked"), ("I", "tcpi_sacked"), ("I", "tcpi_lost"), ("I", "tcpi_retrans"),
    ("I", "tcpi_fackets"),
    ("I", "tcpi_last_data_sent"), ("I", "tcpi_last_ack_sent"), ("I", "tcpi_last_data_recv"),
    ("I", "tcpi_last_ack_recv"),
    ("I", "tcpi_pmtu"), ("I", "tcpi_rcv_ssthresh"), ("I", "tcpi_rtt"), ("I", "tcpi_rttvar"),
    ("I", "tcpi_snd_ssthresh"), ("I", "tcpi_snd_cwnd"), ("I", "tcpi_advmss"), ("I", "tcpi_reordering"),
    ("I", "tcpi_rcv_rtt"), ("I", "tcpi_rcv_space"),
    ("I", "tcpi_total_retrans"),
    ("Q", "tcpi_pacing_rate"), ("Q", "tcpi_max_pacing_rate"), ("Q", "tcpi_bytes_acked"),
    ("Q", "tcpi_bytes_received"), ("I", "tcpi_segs_out"), ("I", "tcpi_segs_in"),
    ("I", "tcpi_notsent_bytes"), ("I", "tcpi_min_rtt"), ("I", "tcpi_data_segs_in"), ("I", "tcpi_data_segs_out"),
    ("Q", "tcpi_delivery_rate"),
    ("Q", "tcpi_busy_time"), ("Q", "tcpi_rwnd_limited"), ("Q", "tcpi_sndbuf_limited"),
    ("I", "tcpi_delivered"), ("I", "tcpi_delivered_ce"),
    ("Q", "tcpi_bytes_sent"), ("Q", "tcpi_bytes_retrans"), ("I", "tcpi_dsack_dups"), ("I", "tcpi_reord_seen"),
    ("I", "tcpi_rcv_ooopack"),
    ("I", "tcpi_snd_wnd"),
]
# Appended by later kernels (uapi linux/tcp.h of 6.7+, not yet in the installed header):
# decoded only when the kernel returns at least 248 bytes.
TCP_INFO_EXTRA = [
    ("I", "tcpi_rcv_wnd"), ("I", "tcpi_rehash"), ("H", "tcpi_total_rto"), ("H", "tcpi_total_rto_recoveries"),
    ("I", "tcpi_total_rto_time"),
]
FMT = "<" + "".join(f for f, _ in TCP_INFO_FIELDS)
FMT_EXTRA = "<" + "".join(f for f, _ in TCP_INFO_EXTRA)
assert struct.calcsize(FMT) == 232 and struct.calcsize(FMT_EXTRA) == 16
TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2", 6: "TIME_WAIT",
              7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}

T0 = time.monotonic()


def log(role, msg):
    sys.stderr.write("[%8.3f] %s: %s\n" % (time.monotonic() - T0, role, msg))
    sys.stderr.flush()


def tcp_info(sock):
    raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    d = {"tcp_info_len": len(raw)}
    if len(raw) < struct.calcsize(FMT):
        raise SystemExit("TCP_INFO returned only %d bytes" % len(raw))
    for (_, name), v in zip(TCP_INFO_FIELDS, struct.unpack_from(FMT, raw)):
        d[name] = v
    if len(raw) >= 232 + 16:
        for (_, name), v in zip(TCP_INFO_EXTRA, struct.unpack_from(FMT_EXTRA, raw, 232)):
            d[name] = v
    d["tcpi_snd_wscale"] = d["tcpi_wscale"] & 0x0F
    d["tcpi_rcv_wscale"] = d["tcpi_wscale"] >> 4
    d["tcpi_delivery_rate_app_limited"] = d["tcpi_flags_byte"] & 1
    del d["tcpi_wscale"], d["tcpi_flags_byte"]
    d["tcpi_state_name"] = TCP_STATES.get(d["tcpi_state"], "?")
    return d


def all_acked(info):
    """Everything written is sent and acknowledged: nothing in flight and nothing unsent (a closed
    receive window can leave data unsent while tcpi_unacked is 0)."""
    return info["tcpi_unacked"] == 0 and info["tcpi_notsent_bytes"] == 0


def record_info(sock, rec):
    """The TCP_INFO read that goes into the record (and when it was read)."""
    rec.update(tcp_info(sock))
    rec["tcp_info_read_epoch"] = r6(time.time())


def wait_acked(sock, limit=5.0):
    """Poll TCP_INFO every 1 ms until all_acked(); returns (seconds waited, acked?)."""
    t = time.monotonic()
    while True:
        if all_acked(tcp_info(sock)):
            return time.monotonic() - t, True
        if time.monotonic() - t > limit:
            return time.monotonic() - t, False
        time.sleep(0.001)


def payload(n):
    pat = bytes(range(ord("a"), ord("z") + 1))
    return (pat * (n // len(pat) + 1))[:n]


def recv_exact(sock, n):
    got = 0
    while got < n:
        chunk = sock.recv(n - got)
        if not chunk:
            break
        got += len(chunk)
    return got


def read_eof(sock, chunk=65536, sleep=0.0):
    total = 0
    while True:
        b = sock.recv(chunk)
        if not b:
            return total
        total += len(b)
        if sleep:
            time.sleep(sleep)


def r6(x):
    return round(x, 6)


# ------------------------------------------------------------------ server ---
BULK = 1536000          # 1.5 MB (1000 x 1536)
APP_BURST = 65536
APP_BURSTS = 5
APP_SLEEP = 0.3
THINK = [0.25, 0.40, 0.15]
REQ = 200
RESP = 20480
CLOSE_DATA = 1000
CLOSE_DELAY = 1.5
BLACKOUT_AFTER = 300000
SLOW_READ = 4096
SLOW_SLEEP = 0.008
SLOW_PAUSE_EVERY = 262144
SLOW_PAUSE = 0.25


def bulk_send(conn, rec, n):
    t = time.monotonic()
    rec["app_write_start_epoch"] = r6(time.time())
    conn.sendall(payload(n))
    rec["app_write_return_s"] = r6(time.monotonic() - t)
    rec["app_bytes_written"] = n
    return t


def finish_sender(conn, rec, t_start, limit=5.0):
    waited, ok = wait_acked(conn, limit)
    rec["all_acked"] = ok
    rec["acked_wait_s"] = r6(waited)
    rec["app_transfer_s"] = r6(time.monotonic() - t_start)   # first write to all acked
    record_info(conn, rec)


def srv_slow_reader(conn, rec, args):
    t = bulk_send(conn, rec, BULK)
    finish_sender(conn, rec, t)
    conn.close()


def srv_lossy(conn, rec, args):
    srv_slow_reader(conn, rec, args)


def srv_blackout(conn, rec, args):
    done = threading.Event()

    def watch():
        while not done.is_set():
            i = tcp_info(conn)
            if i["tcpi_bytes_acked"] >= BLACKOUT_AFTER:
                rec["mark_bytes_acked"] = i["tcpi_bytes_acked"]
                rec["mark_epoch"] = r6(time.time())
                rec["mark_s"] = r6(time.monotonic() - t_start[0])
                if args.mark:
                    open(args.mark, "w").close()
                log("server", "marked at bytes_acked %d" % i["tcpi_bytes_acked"])
                return
            time.sleep(0.001)

    t_start = [time.monotonic()]   # ~ the first write (bulk_send starts right after)
    rec["blackout_after_bytes_acked"] = BLACKOUT_AFTER
    w = threading.Thread(target=watch, daemon=True)
    w.start()
    t = bulk_send(conn, rec, BULK)
    finish_sender(conn, rec, t, limit=30.0)
    done.set()
    w.join()
    conn.close()


def srv_app_limited(conn, rec, args):
    t0 = time.monotonic()
    rec["app_write_start_epoch"] = r6(time.time())
    starts, returns, acked = [], [], []
    for i in range(APP_BURSTS):
        ts = time.monotonic()
        conn.sendall(payload(APP_BURST))
        tr = time.monotonic()
        starts.append(r6(ts - t0))
        returns.append(r6(tr - t0))
        ta = None
        while time.monotonic() - tr < APP_SLEEP:   # the 300 ms sleep, polling for "all acked"
            if ta is None and all_acked(tcp_info(conn)):
                ta = time.monotonic()
            time.sleep(0.001)
        acked.append(r6(ta - t0) if ta is not None else None)
    rec["app_bytes_written"] = APP_BURST * APP_BURSTS
    rec["burst_bytes"] = APP_BURST
    rec["bursts"] = APP_BURSTS
    rec["sleep_after_burst_s"] = APP_SLEEP
    rec["burst_write_s"] = starts
    rec["burst_write_return_s"] = returns
    rec["burst_acked_s"] = acked
    rec["burst_transfer_s"] = [r6(a - s) if a is not None else None for s, a in zip(starts, acked)]
    rec["burst_transfer_total_s"] = r6(sum(x for x in rec["burst_transfer_s"] if x is not None))
    waited, ok = wait_acked(conn)
    rec["all_acked"] = ok
    rec["acked_wait_s"] = r6(waited)
    record_info(conn, rec)
    conn.close()


def srv_think_time(conn, rec, args):
    req_t, resp_t, req_e, resp_e = [], [], [], []
    for think in THINK:
        got = recv_exact(conn, REQ)
        tq = time.monotonic()
        eq = time.time()
        if got != REQ:
            raise SystemExit("short request: %d bytes" % got)
        time.sleep(think)
        tr = time.monotonic()
        er = time.time()
        conn.sendall(payload(RESP))
        req_t.append(tq); resp_t.append(tr); req_e.append(r6(eq)); resp_e.append(r6(er))
    waited, ok = wait_acked(conn)
    rec["all_acked"] = ok
    rec["acked_wait_s"] = r6(waited)
    record_info(conn, rec)
    rec["requests"] = len(THINK)
    rec["request_bytes"] = REQ
    rec["response_bytes"] = RESP
    rec["app_bytes_written"] = RESP * len(THINK)
    rec["think_sleeps_configured_s"] = THINK
    rec["think_times_s"] = [r6(b - a) for a, b in zip(req_t, resp_t)]
    rec["request_last_byte_epoch"] = req_e
    rec["response_first_write_epoch"] = resp_e
    rec["eof_bytes_after_responses"] = read_eof(conn)
    conn.close()


def srv_delayed_close(conn, rec, args):
    got = read_eof(conn)
    te = time.monotonic()
    rec["eof_epoch"] = r6(time.time())
    rec["app_bytes_read"] = got
    at_eof = tcp_info(conn)
    for k in ("tcpi_state", "tcpi_state_name", "tcpi_last_data_recv", "tcpi_last_ack_recv", "tcpi_unacked"):
        rec[k + "_at_eof"] = at_eof[k]
    waited, ok = wait_acked(conn)
    rec["all_acked"] = ok
    rec["acked_wait_s"] = r6(waited)
    time.sleep(CLOSE_DELAY - (time.monotonic() - te))
    info = tcp_info(conn)          # right before close()
    tc = time.monotonic()
    rec["close_epoch"] = r6(time.time())
    conn.close()
    rec.update(info)
    rec["tcp_info_read_epoch"] = rec["close_epoch"]
    rec["close_delay_configured_s"] = CLOSE_DELAY
    rec["close_delay_s"] = r6(tc - te)
    rec["app_bytes_written"] = 0


SERVERS = {"slow-reader": srv_slow_reader, "app-limited": srv_app_limited, "lossy": srv_lossy,
           "think-time": srv_think_time, "delayed-close": srv_delayed_close, "blackout": srv_blackout}


def server(args):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.addr, args.port))
    ls.listen(4)
    if args.ready:
        open(args.ready, "w").close()
    conn, peer = ls.accept()
    ls.close()
    t_acc = time.time()
    local = conn.getsockname()
    log("server", "accepted %s:%d" % peer)
    rec = {"scenario": args.scenario,
           "sender": "%s:%d" % local if args.scenario != "delayed-close" else "%s:%d" % peer,
           "receiver": "%s:%d" % peer if args.scenario != "delayed-close" else "%s:%d" % local,
           "tcp_info_side": "server %s:%d" % local,
           "accept_epoch": r6(t_acc)}
    SERVERS[args.scenario](conn, rec, args)
    with open(args.json, "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")
    log("server", "busy %d us, rwnd_limited %d us, sndbuf_limited %d us, total_retrans %d"
        % (rec["tcpi_busy_time"], rec["tcpi_rwnd_limited"], rec["tcpi_sndbuf_limited"], rec["tcpi_total_retrans"]))


# ------------------------------------------------------------------ client ---
def client(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", args.src_port))
    if args.scenario == "slow-reader":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        log("client", "SO_RCVBUF 16384 (kernel value %d)" % s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
    s.connect((args.addr, args.port))
    if args.scenario == "slow-reader":
        n = 0
        while True:
            b = s.recv(SLOW_READ)
            if not b:
                break
            n += len(b)
            time.sleep(SLOW_SLEEP)
            if n % SLOW_PAUSE_EVERY < len(b):      # crossed a 256 KB boundary
                time.sleep(SLOW_PAUSE)
    elif args.scenario == "think-time":
        n = 0
        for _ in THINK:
            s.sendall(payload(REQ))
            n += recv_exact(s, RESP)
    elif args.scenario == "delayed-close":
        s.sendall(payload(CLOSE_DATA))
        n = 0
    else:
        n = read_eof(s)
    if args.scenario == "think-time":
        time.sleep(0.05)
    s.close()
    log("client", "read %d bytes, closed" % n)


def merge(path, pairs):
    with open(path) as f:
        rec = json.load(f)
    for p in pairs:
        k, v = p.split("=", 1)
        try:
            rec[k] = json.loads(v)
        except ValueError:
            rec[k] = v
    with open(path, "w") as f:
        json.dump(rec, f, indent=1)
        f.write("\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "merge":
        merge(sys.argv[2], sys.argv[3:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "tcpinfo-layout":
        off = 0
        for f, name in TCP_INFO_FIELDS + TCP_INFO_EXTRA:
            print(off, name, struct.calcsize("<" + f))
            off += struct.calcsize("<" + f)
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("role", choices=["server", "client"])
    ap.add_argument("--scenario", required=True, choices=sorted(SERVERS))
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--src-port", type=int, default=0)
    ap.add_argument("--json", help="server: write the record here")
    ap.add_argument("--ready", help="server: file to create once listening")
    ap.add_argument("--mark", help="server (blackout): file to create once 300000 bytes are acked")
    args = ap.parse_args()
    (server if args.role == "server" else client)(args)


if __name__ == "__main__":
    main()
