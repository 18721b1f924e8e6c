#!/usr/bin/env python3
"""A malicious AnyConnect gateway for tests/hostile/client_malicious_gateway.sh (issue 11).

It answers like the traces of docs/protocol/anyconnect.md: the aggregate-auth login (§3.3
init -> §3.4 auth-request form -> §3.6 auth-reply -> §3.7 complete with a session token),
then CONNECT /CSCOSSLC/tunnel (§6.1) with a sane configuration in which the chosen MODE
replaces one value by a hostile one. After a 200 CONNECTED it keeps the TLS connection open
and discards what the client sends, until the client goes away.

Modes (what replaces which header; the client must refuse all but `banner`):
  netmask0        X-CSTP-Netmask: 0.0.0.0              (an on-link /0 route)
  subnet-gateway  X-CSTP-Netmask: 255.0.0.0            (the interface subnet holds the gateway)
  address         X-CSTP-Address: 224.0.0.5            (multicast)
  route-gateway   X-CSTP-Split-Include: 198.18.0.0/255.255.0.0 (covers the gateway)
  dns             X-CSTP-DNS: 198.18.0.53;reboot
  domain-escape   X-CSTP-Default-Domain: example.com ESC[2J (raw ESC in the head)
  domain-shell    X-CSTP-Default-Domain: example.com;$(reboot)
  domain-newline  X-CSTP-Default-Domain: example.com LF nameserver 6.6.6.6 (raw LF in the head)
  split-dns       X-CSTP-Split-DNS: $(reboot).example
  mtu-huge        X-CSTP-MTU: 100000
  mtu-tiny        X-CSTP-MTU: 100
  banner          a sane configuration; the login message, the login banner and X-CSTP-Banner
                  carry escape sequences (screen clear, window title, C1 CSI, CR overwrite)
  reconnect       the first CONNECT is sane and its connection is closed after 1 s; every
                  later CONNECT (the client's reconnect) carries X-CSTP-Netmask: 0.0.0.0

Usage: malicious_gateway.py --cert C --key K --mode M [--listen 198.18.0.1] [--port 443]
Python 3 standard library only. Each TLS connection runs in its own thread.
"""

import argparse
import socket
import socketserver
import ssl
import sys
import threading
import time

TOKEN = "hostile-session-token-0123456789abcdef"
ESC = "\x1b"

# What the client prints must lose these; what it keeps of the banner must show.
BANNER_TEXT = ("Welcome" + ESC + "[2J" + ESC + "]0;pwned" + "\x07" + " to the" + "\r" +
               "\u009b" + "31m" + " hostile gateway")

SANE = [
    ("X-CSTP-Version", "1"),
    ("X-CSTP-Server-Name", "malicious 0.1"),
    ("X-CSTP-DPD", "0"),
    ("X-CSTP-Default-Domain", "example.com"),
    ("X-CSTP-Address", "198.18.50.10"),
    ("X-CSTP-Netmask", "255.255.255.0"),
    ("X-CSTP-DNS", "198.18.50.1"),
    ("X-CSTP-Split-DNS", "example.com"),
    ("X-CSTP-Split-Include", "198.18.60.0/255.255.255.0"),
    ("X-CSTP-Tunnel-All-DNS", "false"),
    ("X-CSTP-Keepalive", "0"),
    ("X-CSTP-Idle-Timeout", "none"),
    ("X-CSTP-Rekey-Time", "0"),
    ("X-CSTP-Rekey-Method", "none"),
    ("X-CSTP-Disconnected-Timeout", "30"),
    ("X-CSTP-Base-MTU", "1500"),
    ("X-CSTP-MTU", "1400"),
]

# mode -> (header, hostile value)
REPLACEMENTS = {
    "netmask0": ("X-CSTP-Netmask", "0.0.0.0"),
    "subnet-gateway": ("X-CSTP-Netmask", "255.0.0.0"),
    "address": ("X-CSTP-Address", "224.0.0.5"),
    "route-gateway": ("X-CSTP-Split-Include", "198.18.0.0/255.255.0.0"),
    "dns": ("X-CSTP-DNS", "198.18.0.53;reboot"),
    "domain-escape": ("X-CSTP-Default-Domain", "example.com" + ESC + "[2J"),
    "domain-shell": ("X-CSTP-Default-Domain", "example.com;$(reboot)"),
    "domain-newline": ("X-CSTP-Default-Domain", "example.com\nnameserver 6.6.6.6"),
    "split-dns": ("X-CSTP-Split-DNS", "$(reboot).example"),
    "mtu-huge": ("X-CSTP-MTU", "100000"),
    "mtu-tiny": ("X-CSTP-MTU", "100"),
}
MODES = sorted(REPLACEMENTS) + ["banner", "reconnect"]


def percent_escape(text):
    """X-CSTP-Banner is %-encoded on the wire (§6.3); the client decodes it."""
    out = []
    for byte in text.encode("utf-8"):
        if byte < 0x20 or byte == 0x7F or byte == ord("%") or byte >= 0x80:
            out.append("%%%02X" % byte)
        else:
            out.append(chr(byte))
    return "".join(out)


def auth_request(mode):
    message = "Please enter your username and password."
    banner = ""
    if mode == "banner":
        message = "Login" + ESC + "[2J" + ESC + "]0;owned" + "\x07" + " here"
        banner = "Pre-login" + ESC + "[31m banner"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<config-auth client="vpn" type="auth-request" aggregate-auth-version="2">\n'
            '<opaque is-for="sg"><tunnel-group>hostile</tunnel-group></opaque>\n'
            '<auth id="main">\n<title>Login</title>\n'
            '<message>%s</message>\n<banner>%s</banner>\n'
            '<form method="post" action="/auth">\n'
            '<input type="text" name="username" label="Username:" />\n'
            '<input type="password" name="password" label="Password:" />\n'
            '</form></auth>\n</config-auth>\n' % (message, banner))


def auth_complete(mode):
    banner = "Authorised use only."
    if mode == "banner":
        banner = "Authorised" + ESC + "[2J" + ESC + "]0;owned" + "\x07" + " use only."
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<config-auth client="vpn" type="complete" aggregate-auth-version="2">\n'
            '<session-id>1</session-id>\n'
            '<session-token>%s</session-token>\n'
            '<auth id="success">\n<banner>%s</banner>\n</auth>\n'
            '</config-auth>\n' % (TOKEN, banner))


def connect_headers(mode, connect_count):
    headers = list(SANE)
    hostile = None
    if mode in REPLACEMENTS:
        hostile = REPLACEMENTS[mode]
    elif mode == "reconnect" and connect_count > 1:
        hostile = ("X-CSTP-Netmask", "0.0.0.0")
    if hostile:
        headers = [(n, hostile[1]) if n == hostile[0] else (n, v) for n, v in headers]
    if mode == "banner":
        headers.append(("X-CSTP-Banner", percent_escape(BANNER_TEXT)))
    return headers


class Handler(socketserver.BaseRequestHandler):
    def setup(self):
        self.buffer = b""
        self.request.settimeout(10)
        self.request.do_handshake()
        self.request.settimeout(60)

    def read_request(self):
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.request.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
            if len(self.buffer) > 1 << 20:
                return None
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, target = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            chunk = self.request.recv(65536)
            if not chunk:
                return None
            self.buffer += chunk
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return method, target, headers, body

    def send(self, status, headers, body=b""):
        head = "HTTP/1.1 %s\r\n" % status
        for name, value in headers:
            head += "%s: %s\r\n" % (name, value)
        self.request.sendall(head.encode("utf-8") + b"\r\n" + body)

    def send_xml(self, xml):
        body = xml.encode("utf-8")
        self.send("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                             ("Content-Length", str(len(body))),
                             ("Set-Cookie", "webvpncontext=hostile; Secure"),
                             ("X-Transcend-Version", "1")], body)

    def handle(self):
        mode = self.server.mode
        try:
            while True:
                request = self.read_request()
                if request is None:
                    return
                method, target, headers, body = request
                if method == "CONNECT":
                    self.connect(mode, headers)
                    return
                if b'type="auth-reply"' in body or target.startswith("/auth"):
                    self.send_xml(auth_complete(mode))
                else:
                    self.send_xml(auth_request(mode))
        except (OSError, ssl.SSLError, ValueError):
            return

    def connect(self, mode, headers):
        if ("webvpn=" + TOKEN) not in headers.get("cookie", ""):
            self.send("401 Cookie is not acceptable", [("Content-Length", "0")])
            return
        with self.server.lock:
            self.server.connects += 1
            count = self.server.connects
        print("CONNECT %d (mode %s)" % (count, mode), flush=True)
        self.send("200 CONNECTED", connect_headers(mode, count))
        deadline = time.monotonic() + (1 if mode == "reconnect" and count == 1 else 120)
        self.request.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                if not self.request.recv(65536):
                    return
            except socket.timeout:
                continue
            except ssl.SSLWantReadError:
                continue


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, address, context, mode):
        super().__init__(address, Handler)
        self.context = context
        self.mode = mode
        self.lock = threading.Lock()
        self.connects = 0

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(10)
        # The handshake runs in the connection's thread (Handler.setup), not in the accept loop.
        return self.context.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # a client that gives up mid-handshake is not news


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--mode", required=True, choices=MODES)
    parser.add_argument("--listen", default="198.18.0.1")
    parser.add_argument("--port", type=int, default=443)
    args = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = Server((args.listen, args.port), context, args.mode)
    print("listening on %s:%d, mode %s" % (args.listen, args.port, args.mode), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
