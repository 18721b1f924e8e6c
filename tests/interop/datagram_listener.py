#!/usr/bin/env python3
"""Stands in for a unix datagram service the gateway talks to: systemd's $NOTIFY_SOCKET or
/dev/log. Binds PATH, then appends every datagram it receives to LOG as one line:
"<monotonic seconds> <payload with newlines shown as |>", flushed at once so that a test can
wait on it. Runs until killed."""
import os
import socket
import sys
import time


def main() -> int:
    path, log = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"{time.monotonic():.6f} LISTENING\n")
        out.flush()
        while True:
            data = sock.recv(65536)
            text = data.decode("utf-8", "replace").rstrip("\n").replace("\n", "|")
            out.write(f"{time.monotonic():.6f} {text}\n")
            out.flush()


if __name__ == "__main__":
    sys.exit(main())
