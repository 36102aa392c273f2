"""A real SMTP server process for the crash tests: aiosmtpd (Debian's
python3-aiosmtpd) accepting every message into a directory.

    python3 server.py DIR

It listens on 127.0.0.1 on a free port, which it writes to DIR/port once it
is ready. Each message it accepts is DIR/NNN.eml (its envelope recipients in
an X-Envelope-To line first), written before the reply. The environment
variable PAUSE ("mail:K" or "data:K") holds the server at the K-th MAIL
command, or after the K-th message's content but before its reply (as a
server that scans messages does): it writes DIR/paused, and waits until
DIR/release exists.
"""

import asyncio
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, out, pause):
        self.out, self.mails, self.datas = out, 0, 0
        kind, _, k = pause.partition(":")
        self.pause = (kind, int(k)) if k else None

    async def hold(self, kind, n):
        if self.pause != (kind, n):
            return
        open(os.path.join(self.out, "paused"), "w").close()
        while not os.path.exists(os.path.join(self.out, "release")):
            await asyncio.sleep(0.01)

    async def handle_MAIL(self, server, session, envelope, address, options):
        self.mails += 1
        await self.hold("mail", self.mails)
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.datas += 1
        path = os.path.join(self.out, "%03d.eml" % self.datas)
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        await self.hold("data", self.datas)
        return "250 Message accepted"


def main():
    out = sys.argv[1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(out, os.environ.get("PAUSE", "")), hostname="127.0.0.1", port=port,
                            data_size_limit=200 * 1024 * 1024)
    controller.start()
    with open(os.path.join(out, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
    try:
        threading.Event().wait()  # until the test kills the process
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
