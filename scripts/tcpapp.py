#!/usr/bin/env python3
"""Tiny scriptable TCP client/server used by capture-fixtures.sh (stdlib `socket` only).

  tcpapp.py server --addr ADDR --port PORT [--conns N] [--ready FILE] --steps STEPS
  tcpapp.py client --addr ADDR --port PORT [--src-addr A] [--src-port P]
                   [--reuseaddr] [--repeat N] [--gap SECONDS] --steps STEPS
  either role:     [--rcvbuf BYTES] [--keepalive IDLE:INTVL:CNT]

The server accepts --conns connections one after the other (with --concurrent:
each in its own thread) and runs STEPS on each; the client connects (--repeat times, --gap seconds apart) and runs STEPS.
STEPS is a comma-separated list, run in order on the connected socket:

  send:N          send N bytes of payload (one send() call)
  recv:N          read exactly N bytes
  eof             read until end of stream (peer's FIN), discarding data
  sleep:S         sleep S seconds (float)
  at:T            sleep until the absolute UNIX time T (float; both sides of a
                  simultaneous close use the same T -- namespaces share the clock)
  every:S:N:B     send B bytes N times, S seconds apart
  shutwr          shutdown(SHUT_WR): half-close, keep reading / the peer may still send
  close           close() (orderly: FIN)
  abort           setsockopt(SO_LINGER, {on, 0}) then close(): the kernel sends RST
  echo            echo every chunk read back to the peer until end of stream

So, e.g., "client closes first" is client `...,close` + server `...,eof,sleep:0.2,close`;
"server closes first" is the reverse; a half-close is client `send:100,shutwr,eof,close`
+ server `recv:100,eof,send:300,close`.  A read that hits ECONNRESET is logged and the
remaining read steps are skipped.  --src-port binds the client to a fixed source port
(with --reuseaddr: SO_REUSEADDR, needed to re-bind a port that has a TIME_WAIT entry).
A refused connect() is logged and exits with status 0 (the refused fixture expects it).
--rcvbuf sets SO_RCVBUF (the kernel doubles the value) on the listening socket before
listen() -- accepted sockets inherit it -- or on the client socket before connect(), so
the window scale of the SYN / SYN-ACK already reflects it.  --keepalive sets SO_KEEPALIVE
and TCP_KEEPIDLE / TCP_KEEPINTVL / TCP_KEEPCNT (seconds, seconds, probes) on the
connected socket (client) or on each accepted socket (server).
Every step is logged with a timestamp on stderr.
"""
import argparse
import socket
import struct
import sys
import threading
import time

T0 = time.time()


def log(role, msg):
    sys.stderr.write("[%8.3f] %s: %s\n" % (time.time() - T0, role, msg))
    sys.stderr.flush()


def payload(n, seed):
    pat = ("%s-" % seed).encode() + bytes(range(ord("a"), ord("z") + 1))
    return (pat * (n // len(pat) + 1))[:n]


def run_steps(role, sock, steps):
    reset = False
    for step in steps:
        parts = step.split(":")
        op = parts[0]
        if op == "send":
            n = int(parts[1])
            sock.sendall(payload(n, role[0]))
            log(role, "sent %d bytes" % n)
        elif op == "recv":
            want = int(parts[1])
            got = 0
            while got < want and not reset:
                try:
                    chunk = sock.recv(want - got)
                except ConnectionResetError:
                    reset = True
                    log(role, "recv: connection reset by peer")
                    break
                if not chunk:
                    log(role, "recv: unexpected EOF after %d bytes" % got)
                    break
                got += len(chunk)
            log(role, "received %d bytes" % got)
        elif op == "eof":
            total = 0
            while not reset:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    reset = True
                    log(role, "eof: connection reset by peer")
                    break
                if not chunk:
                    log(role, "got EOF (read %d bytes before it)" % total)
                    break
                total += len(chunk)
        elif op == "sleep":
            time.sleep(float(parts[1]))
        elif op == "at":
            delay = float(parts[1]) - time.time()
            if delay > 0:
                time.sleep(delay)
            log(role, "reached time mark")
        elif op == "every":
            interval, count, size = float(parts[1]), int(parts[2]), int(parts[3])
            for i in range(count):
                if i:
                    time.sleep(interval)
                sock.sendall(payload(size, role[0]))
            log(role, "sent %d x %d bytes" % (count, size))
        elif op == "echo":
            total = 0
            while not reset:
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    reset = True
                    log(role, "echo: connection reset by peer")
                    break
                if not chunk:
                    log(role, "echo: got EOF after %d bytes" % total)
                    break
                sock.sendall(chunk)
                total += len(chunk)
        elif op == "shutwr":
            sock.shutdown(socket.SHUT_WR)
            log(role, "shutdown(SHUT_WR)")
        elif op == "close":
            sock.close()
            log(role, "close()")
        elif op == "abort":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
            log(role, "SO_LINGER{1,0} + close() (abort)")
        else:
            raise SystemExit("unknown step %r" % step)
    if sock.fileno() != -1:
        sock.close()


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def set_rcvbuf(sock, args, role):
    if args.rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
        log(role, "SO_RCVBUF %d (kernel value %d)"
            % (args.rcvbuf, sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)))


def set_keepalive(sock, args, role):
    if args.keepalive:
        idle, intvl, cnt = (int(x) for x in args.keepalive.split(":"))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)
        log(role, "SO_KEEPALIVE, TCP_KEEPIDLE %d, TCP_KEEPINTVL %d, TCP_KEEPCNT %d" % (idle, intvl, cnt))


def server(args):
    ls = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    set_rcvbuf(ls, args, "server")
    ls.bind((args.addr, args.port))
    ls.listen(8)
    log("server", "listening on %s port %d" % (args.addr, args.port))
    if args.ready:
        open(args.ready, "w").close()
    threads = []
    for _ in range(args.conns):
        conn, peer = ls.accept()
        log("server", "accepted %s port %d" % (peer[0], peer[1]))
        set_keepalive(conn, args, "server")
        if args.concurrent:
            t = threading.Thread(target=run_steps, args=("server", conn, args.steps))
            t.start()
            threads.append(t)
        else:
            run_steps("server", conn, args.steps)
    for t in threads:
        t.join()
    ls.close()


def client(args):
    for i in range(args.repeat):
        if i:
            time.sleep(args.gap)
        s = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
        if args.reuseaddr:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if args.src_port or args.src_addr:
            s.bind((args.src_addr or "", args.src_port))
        set_rcvbuf(s, args, "client")
        try:
            s.connect((args.addr, args.port))
        except ConnectionRefusedError:
            log("client", "connect: connection refused")
            s.close()
            return
        local = s.getsockname()
        log("client", "connected from %s port %d" % (local[0], local[1]))
        set_keepalive(s, args, "client")
        run_steps("client", s, args.steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("role", choices=["server", "client"])
    ap.add_argument("--addr", required=True, help="server address (listen / connect)")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--steps", default="", help="comma-separated steps, see above")
    ap.add_argument("--conns", type=int, default=1, help="server: connections to accept")
    ap.add_argument("--concurrent", action="store_true", help="server: one thread per connection")
    ap.add_argument("--ready", help="server: file to create once listening")
    ap.add_argument("--src-addr", help="client: local address to bind")
    ap.add_argument("--src-port", type=int, default=0, help="client: fixed source port")
    ap.add_argument("--reuseaddr", action="store_true", help="client: SO_REUSEADDR before bind")
    ap.add_argument("--repeat", type=int, default=1, help="client: connections to make")
    ap.add_argument("--gap", type=float, default=0.0, help="client: seconds between connections")
    ap.add_argument("--rcvbuf", type=int, default=0, help="SO_RCVBUF before listen() / connect()")
    ap.add_argument("--keepalive", help="IDLE:INTVL:CNT: SO_KEEPALIVE + TCP_KEEPIDLE/KEEPINTVL/KEEPCNT")
    args = ap.parse_args()
    args.steps = [s for s in args.steps.split(",") if s]
    (server if args.role == "server" else client)(args)


if __name__ == "__main__":
    main()
