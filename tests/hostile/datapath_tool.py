#!/usr/bin/env python3
"""Packet tools for the hostile data-path cases (spoofed_source.sh, dtls_hello_replay.sh).

Every mode is bounded in time and is run by the scripts inside the test's own namespaces
(198.18.0.0/15), never in the root namespace.

  spoof IFACE SRC DST PORT COUNT TAG      COUNT UDP packets from SRC (any address) to DST:PORT,
                                          written raw (IP_HDRINCL) out of IFACE (a TUN)
  listen ADDR PORT SECONDS OUT            logs "source tag" per UDP datagram received
  capture IFACE SECONDS OUT               saves the UDP payload of the first DTLS ClientHello
                                          (to port 443) sent out of IFACE; says "capturing"
                                          on stderr once it listens
  replay SRC DST PORT HELLO SECONDS GAP   sends HELLO from SRC:40777 every GAP seconds for
                                          SECONDS, then listens 1 s more; prints what came back
"""
import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_BINDTODEVICE = 25


def ipv4_udp(src, dst, port, payload):
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload  # checksum 0: none
    # The kernel fills in the total length, the id and the header checksum (raw(7)).
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, socket.IPPROTO_UDP, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
    return header + udp


def spoof(iface, src, dst, port, count, tag):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.encode())
    for i in range(int(count)):
        sock.sendto(ipv4_udp(src, dst, int(port), f"{tag} {i}".encode()), (dst, 0))
        time.sleep(0.005)
    return 0


def listen(addr, port, seconds, out):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, int(port)))
    end = time.monotonic() + float(seconds)
    with open(out, "w", buffering=1) as log:
        while time.monotonic() < end:
            sock.settimeout(max(0.05, end - time.monotonic()))
            try:
                data, sender = sock.recvfrom(2048)
            except socket.timeout:
                continue
            log.write(f"{sender[0]} {data.decode(errors='replace').split(' ')[0]}\n")
    return 0


def capture(iface, seconds, out):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    print("capturing", file=sys.stderr, flush=True)  # the script waits for this line
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        sock.settimeout(max(0.05, end - time.monotonic()))
        try:
            frame, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_OUTGOING or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != socket.IPPROTO_UDP:
            continue
        dport = struct.unpack("!H", ip[ihl + 2:ihl + 4])[0]
        payload = ip[ihl + 8:]
        # DTLS handshake record (0x16) whose message is a ClientHello (type 1).
        if dport == 443 and len(payload) > 13 and payload[0] == 0x16 and payload[13] == 0x01:
            with open(out, "wb") as f:
                f.write(payload)
            return 0
    return 1


def replay(src, dst, port, hello_file, seconds, gap):
    hello = open(hello_file, "rb").read()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((src, 40777))
    start = time.monotonic()
    end = start + float(seconds)
    next_send = start
    sent = 0
    received = []  # (seconds since start, first bytes)
    while True:
        now = time.monotonic()
        if now >= end + 1.0:
            break
        if now >= next_send and now < end:
            sock.sendto(hello, (dst, int(port)))
            sent += 1
            next_send += float(gap)
        wait = (next_send if now < end else end + 1.0) - now
        sock.settimeout(max(0.01, min(wait, 0.2)))
        try:
            data, _ = sock.recvfrom(65535)
        except socket.timeout:
            continue
        received.append((round(time.monotonic() - start, 3), data[:14]))
    # A flight starts with the ServerHello (handshake type 2) or a HelloVerifyRequest (3).
    flights = [t for t, d in received if len(d) > 13 and d[0] == 0x16 and d[13] in (2, 3)]
    print(json.dumps({"sent": sent, "datagrams": len(received), "flights": flights}))
    return 0


def main(argv):
    modes = {"spoof": spoof, "listen": listen, "capture": capture, "replay": replay}
    if len(argv) < 2 or argv[1] not in modes:
        print(__doc__, file=sys.stderr)
        return 2
    return modes[argv[1]](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
