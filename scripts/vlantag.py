#!/usr/bin/env python3
"""Attach a tiny eBPF program (tcx hook) that adds or removes VLAN tags.

Why this exists: the kernel these fixtures are recorded on is built without
CONFIG_VLAN_8021Q (no `ip link add ... type vlan`), without bridge VLAN
filtering and without act_vlan.  It does have eBPF and the tcx hooks, so the
same job is done by the kernel's own bpf_skb_vlan_push()/bpf_skb_vlan_pop()
helpers (the code path act_vlan uses).  The packet bytes are produced by the
kernel; nothing is edited afterwards.

Usage (run inside the namespace that owns the interface):
  vlantag.py push IFACE PROTO:VID [PROTO:VID ...]   # egress: push tags, first = innermost
  vlantag.py pop IFACE N                            # ingress: pop N tags
PROTO is 8021q or 8021ad.

The attachment (BPF_PROG_ATTACH on BPF_TCX_EGRESS / BPF_TCX_INGRESS) is held
by the device and goes away when the interface / namespace is deleted.
Only the python3 standard library is used (ctypes for the bpf() syscall).
"""
import ctypes
import os
import socket
import struct
import sys

SYS_BPF = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine)
BPF_PROG_LOAD = 5
BPF_PROG_ATTACH = 8
BPF_PROG_TYPE_SCHED_CLS = 3
BPF_TCX_INGRESS = 46
BPF_TCX_EGRESS = 47
FUNC_SKB_VLAN_PUSH = 18
FUNC_SKB_VLAN_POP = 19
PROTOS = {"8021q": 0x8100, "8021ad": 0x88A8}

libc = ctypes.CDLL(None, use_errno=True)


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


MOV64_REG = 0xBF  # BPF_ALU64 | BPF_MOV | BPF_X
MOV64_IMM = 0xB7  # BPF_ALU64 | BPF_MOV | BPF_K
CALL = 0x85       # BPF_JMP | BPF_CALL
EXIT = 0x95       # BPF_JMP | BPF_EXIT


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, len(attr))
    r = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def load(prog):
    lic = ctypes.create_string_buffer(b"GPL")
    code = ctypes.create_string_buffer(prog, len(prog))
    logbuf = ctypes.create_string_buffer(65536)
    attr = struct.pack("<IIQQIIQII16s", BPF_PROG_TYPE_SCHED_CLS, len(prog) // 8,
                       ctypes.addressof(code), ctypes.addressof(lic), 1,
                       len(logbuf), ctypes.addressof(logbuf), 0, 0, b"vlantag")
    attr += b"\0" * (128 - len(attr))
    try:
        return bpf(BPF_PROG_LOAD, attr)
    except OSError:
        sys.stderr.write(logbuf.value.decode(errors="replace"))
        raise


def main():
    if SYS_BPF is None:
        sys.exit("vlantag.py: unsupported architecture")
    mode, ifname = sys.argv[1], sys.argv[2]
    prog = insn(MOV64_REG, dst=6, src=1)  # r6 = skb
    if mode == "push":
        for spec in sys.argv[3:]:
            proto, vid = spec.split(":")
            # helper takes __be16 proto: on a little-endian host that is the byte-swapped value
            be = struct.unpack("<H", struct.pack(">H", PROTOS[proto]))[0]
            prog += insn(MOV64_REG, dst=1, src=6)
            prog += insn(MOV64_IMM, dst=2, imm=be)
            prog += insn(MOV64_IMM, dst=3, imm=int(vid))
            prog += insn(CALL, imm=FUNC_SKB_VLAN_PUSH)
        hook = BPF_TCX_EGRESS
    elif mode == "pop":
        for _ in range(int(sys.argv[3])):
            prog += insn(MOV64_REG, dst=1, src=6)
            prog += insn(CALL, imm=FUNC_SKB_VLAN_POP)
        hook = BPF_TCX_INGRESS
    else:
        sys.exit(__doc__)
    prog += insn(MOV64_IMM, dst=0, imm=0)  # TCX_PASS
    prog += insn(EXIT)
    fd = load(prog)
    ifindex = socket.if_nametoindex(ifname)
    attr = struct.pack("<IIII", ifindex, fd, hook, 0) + b"\0" * 48
    bpf(BPF_PROG_ATTACH, attr)
    os.close(fd)


if __name__ == "__main__":
    main()
