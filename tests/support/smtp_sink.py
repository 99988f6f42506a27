#!/usr/bin/env python3
"""A real SMTP server for the mail delivery tests (aiosmtpd, Debian package
python3-aiosmtpd).

    smtp_sink.py --port 2525 --dir /tmp/received [--reject-rcpt ADDR]...
                 [--tempfail-rcpt ADDR]... [--data-delay-ms N]

Listens on 127.0.0.1:<port> and stores each accepted message as
`<dir>/<n>.json` (n counts from 1 in arrival order; written to a temporary
file and renamed, so a reader never sees a partial one):

    {"mail_from": "...", "rcpt_tos": ["..."], "data": "<the message, CRLF>"}

`--reject-rcpt` answers RCPT TO for that address with 550 (permanent),
`--tempfail-rcpt` with 451 (transient). `--data-delay-ms` waits that long
after storing a message before the final reply (a slow server: a client
killed meanwhile has handed over the message without seeing the `250`).
Writes `<dir>/ready` once it
listens. Runs until SIGTERM or SIGINT.
"""

import argparse
import asyncio
import json
import os
import signal
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, reject, tempfail, delay_ms):
        self.directory = directory
        self.delay = delay_ms / 1000.0
        self.reject = {a.lower() for a in reject}
        self.tempfail = {a.lower() for a in tempfail}
        existing = [f for f in os.listdir(directory) if f.endswith(".json")]
        self.count = max((int(f[:-5]) for f in existing), default=0)
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 mailbox unavailable"
        if address.lower() in self.tempfail:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, bytes):
            content = content.decode("utf-8", errors="replace")
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "data": content,
        }
        with self.lock:
            self.count += 1
            name = os.path.join(self.directory, "%06d.json" % self.count)
            tmp = os.path.join(self.directory, ".%06d.tmp" % self.count)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(record, f)
                f.flush()
                os.fsync(f.fileno())
            os.rename(tmp, name)
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject-rcpt", action="append", default=[])
    parser.add_argument("--tempfail-rcpt", action="append", default=[])
    parser.add_argument("--data-delay-ms", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    controller = Controller(
        Sink(args.dir, args.reject_rcpt, args.tempfail_rcpt, args.data_delay_ms),
        hostname="127.0.0.1",
        port=args.port,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    controller.start()
    with open(os.path.join(args.dir, "ready"), "w", encoding="utf-8") as f:
        f.write(str(args.port))
    while not stop.wait(1.0):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
