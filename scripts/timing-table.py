#!/usr/bin/env python3
"""Our timing against the sender's own TCP_INFO on Fixtures/timing (docs/timing.md, "Compared with Linux").

For each capture: the server's `transfer` (RTO stall + loss recovery + rwnd-limited + busy), less the SYN-ACK's
flight (SYN-ACK to the client's ACK) and the FIN's flight (the server's FIN to its ACK; the counters were read
before the close), against `tcpi_busy_time`; `rwnd_limited` against `tcpi_rwnd_limited`; the diagnosis line.
Frame times come from tshark (a cross-check script: the tests do not need tshark, TimingTests reads the same
times from our own timeline).

Usage: scripts/timing-table.py [BINARY]   (default .build/debug/tcptrace-swift)
"""
import json, os, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/debug/tcptrace-swift")
names = ["slow-reader", "app-limited", "lossy", "think-time", "delayed-close", "blackout"]

def frame_times(pcap):
    out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch"],
                         capture_output=True, text=True, check=True).stdout
    return {int(a): float(b) for a, b in (l.split("\t") for l in out.splitlines() if l)}

print(f"{'capture':<14} {'transfer':>9} {'-synack':>8} {'-fin':>7} {'= ours':>8} {'kernel busy':>11} {'err':>7}"
      f" {'rwnd ours':>9} {'kernel':>7} {'err':>7}")
lines = []
for name in names:
    pcap = os.path.join(root, "Fixtures/timing", name + ".pcap")
    kernel = json.load(open(os.path.join(root, "Fixtures/timing", name + ".kernel.json")))
    doc = json.loads(subprocess.run([binary, "analyze", pcap, "--format", "json"], capture_output=True,
                                    text=True, check=True).stdout)
    c = doc["connections"][0]
    t, times = c["timing"], frame_times(pcap)
    h, close = c["handshake"], c["close"]["frames"]
    synack = times[h["ack_frame"]] - times[h["synack_frame"]] if h["ack_frame"] and h["synack_frame"] else 0
    fin = times[close["server_fin_acked"]] - times[close["server_fin"]] if close["server_fin_acked"] else 0
    ours = t["server"]["transfer"] - synack - fin
    busy, rwnd = kernel["tcpi_busy_time"] / 1e6, kernel["tcpi_rwnd_limited"] / 1e6
    err = lambda a, b: f"{(a - b) / b * 100:+6.1f}%" if b > 0 else f"{(a - b) * 1000:+5.1f}ms"
    print(f"{name:<14} {t['server']['transfer']:9.3f} {synack:8.3f} {fin:7.3f} {ours:8.3f} {busy:11.3f} "
          f"{err(ours, busy):>7} {t['server']['rwnd_limited']:9.3f} {rwnd:7.3f} {err(t['server']['rwnd_limited'], rwnd):>7}")
    extra = ""
    if "think_times_s" in kernel:
        extra = (f" | think {t['server']['think_time']:.6f} s over {t['server']['exchanges']} vs the server's clock "
                 f"{sum(kernel['think_times_s']):.6f} s over {len(kernel['think_times_s'])}")
    if "close_delay_s" in kernel:
        extra = f" | CLOSE_WAIT {t['close']['close_wait']:.6f} s vs the server's close delay {kernel['close_delay_s']:.6f} s"
    lines.append(f"{name}: {t['diagnosis']}{extra}")
print()
print("\n".join(lines))
