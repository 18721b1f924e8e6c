#!/usr/bin/env python3
"""A misbehaving AnyConnect client for the gateway's robustness test.

Usage: bad_client.py HOST PORT MODE [COOKIE]
Connects, sends one kind of bad input, and exits 0 when the gateway closed the connection
(within the mode's time limit), 1 when it did not. Prints what it saw. Every wait is bounded.
"""
import socket
import ssl
import sys
import time

HOST, PORT, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
COOKIE = sys.argv[4] if len(sys.argv) > 4 else ""


def tls_connect():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((HOST, PORT), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="gw.sekisho.test")


def wait_closed(sock, limit):
    """Reads until EOF or error; True if the peer closed within `limit` seconds."""
    deadline = time.monotonic() + limit
    seen = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            data = sock.recv(65536)
        except (ssl.SSLError, ConnectionError, OSError) as exc:
            if isinstance(exc, socket.timeout):
                continue
            print(f"closed with error: {exc!r}; saw {seen[:80]!r}")
            return True
        if not data:
            print(f"closed; saw {seen[:80]!r}")
            return True
        seen += data
    print(f"NOT closed after {limit} s; saw {seen[:120]!r}")
    return False


def send(sock, data):
    """Sends data; True when the peer closed the connection while we were sending."""
    try:
        sock.sendall(data)
    except (ssl.SSLError, OSError) as exc:
        print(f"closed while sending: {exc!r}")
        return True
    return False


def request(method, target, headers, body=b""):
    head = f"{method} {target} HTTP/1.1\r\nHost: {HOST}\r\n".encode()
    for name, value in headers:
        head += f"{name}: {value}\r\n".encode()
    return head + b"\r\n" + body


def udp_junk():
    """Garbage and a well-formed DTLS ClientHello with an unknown session id, to UDP PORT."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hello = bytearray(120)
    hello[0] = 0x16                        # handshake record
    hello[1:3] = b"\xfe\xff"              # DTLS 1.0 record version
    hello[11:13] = (120 - 13).to_bytes(2, "big")
    hello[13] = 0x01                       # ClientHello
    hello[14:17] = (120 - 25).to_bytes(3, "big")
    hello[22:25] = (120 - 25).to_bytes(3, "big")
    hello[25:27] = b"\xfe\xfd"
    hello[59] = 32                         # session id length
    hello[60:92] = bytes(range(1, 33))     # an id no session has
    for payload in (b"\x00" * 5, b"\xff" * 1400, bytes(hello), b"\x17\xfe\xfd" + b"\x00" * 40):
        sock.sendto(payload, (HOST, PORT))
    print("sent 4 junk datagrams")
    return True


def main():
    if MODE == "udp-junk":
        return udp_junk()
    if MODE == "not-tls":
        sock = socket.create_connection((HOST, PORT), timeout=10)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 4)
        return wait_closed(sock, 10)
    sock = tls_connect()
    if MODE == "http-garbage":
        return send(sock, b"\x00\x01GARBAGE NOT HTTP\r\n\r\n") or wait_closed(sock, 10)
    if MODE == "huge-header":
        return (send(sock, request("GET", "/", [("X-Filler", "A" * 100000)]))
                or wait_closed(sock, 10))
    if MODE == "huge-body":
        if send(sock, request("POST", "/", [("Content-Length", str(50 * 1024 * 1024))])):
            return True
        for _ in range(100):
            if send(sock, b"<" * 16384):
                return True
        return wait_closed(sock, 10)
    if MODE == "xml-entities":
        body = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                b'<config-auth client="vpn" type="auth-reply"><auth><username>&lol2;</username>'
                b'<password>x</password></auth></config-auth>')
        return (send(sock, request("POST", "/", [("X-Transcend-Version", "1"),
                                                 ("Content-Length", str(len(body)))], body))
                or wait_closed(sock, 10))
    if MODE == "bad-frame":
        sock.sendall(request("CONNECT", "/CSCOSSLC/tunnel",
                             [("Cookie", f"webvpn={COOKIE}"), ("X-CSTP-Version", "1"),
                              ("X-CSTP-Hostname", "bad")]))
        sock.settimeout(10)
        head = sock.recv(65536)
        if not head.startswith(b"HTTP/1.1 200"):
            print(f"CONNECT not accepted: {head[:80]!r}")
            return False
        return send(sock, b"XXXX\x00\x04\x00\x00abcd") or wait_closed(sock, 10)  # bad magic
    if MODE == "slowloris":
        sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
        start = time.monotonic()
        try:
            for _ in range(60):  # one header byte per second, bounded
                sock.sendall(b"X")
                time.sleep(1)
        except (ssl.SSLError, OSError):
            print(f"closed after {time.monotonic() - start:.1f} s")
            return True
        return wait_closed(sock, 5)
    print(f"unknown mode {MODE}")
    return False


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
