#!/usr/bin/env python3
"""A loopback SMTP sink for simpul's mail tests (aiosmtpd).

    smtp_sink.py PORT DIR [--refuse ADDR=CODE ...]

Listens on 127.0.0.1:PORT, writes each message it accepts to DIR/<n>.eml (the bytes as received,
with the envelope in `X-Sink-From` / `X-Sink-To` headers first), and answers RCPT TO for a
`--refuse`d address with CODE (e.g. 550 or 451). Prints `ready` on stdout once listening and
runs until killed.
"""

import argparse
import itertools
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, refuse):
        self.directory = directory
        self.refuse = refuse
        self.count = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.refuse.get(address.lower())
        if code is not None:
            kind = "5.1.1 no such user" if code.startswith("5") else "4.2.1 try again later"
            return f"{code} {kind}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.count)
        head = f"X-Sink-From: {envelope.mail_from}\r\nX-Sink-To: {','.join(envelope.rcpt_tos)}\r\n"
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "wb") as f:
            f.write(head.encode())
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, os.path.join(self.directory, f"{n}.eml"))
        return "250 2.0.0 Ok: queued as sink-%d" % n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("directory")
    ap.add_argument("--refuse", action="append", default=[], metavar="ADDR=CODE")
    a = ap.parse_args()
    refuse = {}
    for r in a.refuse:
        addr, _, code = r.partition("=")
        refuse[addr.lower()] = code
    os.makedirs(a.directory, exist_ok=True)
    c = Controller(Sink(a.directory, refuse), hostname="127.0.0.1", port=a.port)
    c.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    c.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
