#!/usr/bin/env python3
"""A stand-in for a Cisco ASA load-balancing director, for tests/interop/client_redirect.sh.

An ASA cluster's director answers a client's first request (the aggregate-auth `init` POST of
anyconnect.md §2.9/§3.3, or a GET) with an HTTP redirect to the member that should serve it:

    HTTP/1.1 302 Found
    Location: https://member.example.com/
    Set-Cookie: webvpnlogin=1; secure
    Content-Length: 0

openconnect then connects to the member, drops the director's cookies and starts the login
again there (anyconnect.md §2.7). This server only does the director's part: every request on
a listener is answered with the redirect configured for its path, so the member can be a real
gateway (sekishod or ocserv). A path without a configured redirect gets 404.

Usage:
  cisco_redirect_server.py --cert C --key K --listen ADDR:PORT [--listen ...]
                           --redirect ADDR:PORT/PATH=LOCATION [--redirect ...]

Each request is logged on stdout as one line, without cookie values:
  REQ 198.18.0.3:443 POST /ok host=198.18.0.3 aggregate=1 init=1 cookies=-
Python 3 standard library only; one thread per connection.
"""

import argparse
import http.server
import socketserver
import ssl
import sys
import threading

DIRECTOR_COOKIE = "webvpnlogin=1; path=/; secure"


class Director(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ASA-director-standin"
    sys_version = ""

    def _answer(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        cookies = self.headers.get("Cookie")
        names = ",".join(sorted(c.split("=", 1)[0].strip() for c in cookies.split(";"))) \
            if cookies else "-"
        listener = self.server.name
        is_init = 1 if b'type="init"' in body else 0
        print(f"REQ {listener} {method} {self.path} host={self.headers.get('Host')} "
              f"aggregate={self.headers.get('X-Aggregate-Auth', '0')} "
              f"init={is_init} cookies={names}", flush=True)
        location = self.server.redirects.get(self.path.split("?", 1)[0])
        if location is None:
            self.send_response(404, "Not Found")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(302, "Found")
        self.send_header("Location", location)
        self.send_header("Set-Cookie", DIRECTOR_COOKIE)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def do_POST(self):  # noqa: N802 (http.server naming)
        self._answer("POST")

    def do_GET(self):  # noqa: N802
        self._answer("GET")

    def log_message(self, fmt, *args):
        pass  # the REQ lines are the log


class TlsServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, context, name, redirects):
        super().__init__(address, Director)
        self.context = context
        self.name = name
        self.redirects = redirects

    def get_request(self):
        sock, addr = super().get_request()
        sock.settimeout(10)
        try:
            return self.context.wrap_socket(sock, server_side=True), addr
        except (ssl.SSLError, OSError) as err:
            # A client that refuses the certificate ends the handshake: log it, keep serving.
            print(f"TLS {self.name} handshake failed: {err}", flush=True)
            sock.close()
            raise

    def handle_error(self, request, client_address):
        pass


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--listen", action="append", required=True, help="ADDR:PORT")
    p.add_argument("--redirect", action="append", default=[], help="ADDR:PORT/PATH=LOCATION")
    return p.parse_args()


def main():
    args = parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    redirects = {}
    for spec in args.redirect:
        where, location = spec.split("=", 1)
        listener, path = where.split("/", 1)
        redirects.setdefault(listener, {})["/" + path] = location
    servers = []
    for listen in args.listen:
        addr, port = listen.rsplit(":", 1)
        server = TlsServer((addr, int(port)), context, listen, redirects.get(listen, {}))
        servers.append(server)
        print(f"LISTEN {listen}", flush=True)
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
