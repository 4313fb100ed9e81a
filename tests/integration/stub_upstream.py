"""A stub scoring server for router and load-generator tests, run as its own process.

    python tests/integration/stub_upstream.py --name blue --ready-file PATH [--delay-ms 0]
        [--status 200] [--serial]

Binds 127.0.0.1 on a free port and writes ``{"pid", "port", "url"}`` to the
ready file (atomically). Routes:

* ``POST /score``: waits ``--delay-ms``, then answers ``--status`` with
  ``{"deployment": NAME, "seq": N, "bytes": LEN, "seen": {"cookie": ..., "auth": ...}}``
  (N counts requests received, from 1; ``seen`` tells whether the request
  carried a Cookie and an Authorization header) and sets a cookie;
* ``GET /_stub/stats``: ``{"received": N, "bytes": TOTAL}``.

By default it is an aiohttp server (concurrent, keep-alive). ``--serial``
runs the standard library's single-threaded ``HTTPServer`` instead: one
request at a time, each connection closed after its answer, so requests
queue behind each other (the deliberately slow server of the
coordinated-omission test); with ``--reset`` it reads each request and then
resets the connection instead of answering.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path


def write_ready(path: Path, port: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps({"pid": os.getpid(), "port": port, "url": f"http://127.0.0.1:{port}"}),
        encoding="utf-8",
    )
    tmp.replace(path)


def run_aiohttp(args: argparse.Namespace) -> None:
    from aiohttp import web

    state = {"received": 0, "bytes": 0}

    async def score(request: web.Request) -> web.Response:
        body = await request.read()
        state["received"] += 1
        state["bytes"] += len(body)
        seq = state["received"]
        if args.delay_ms:
            await asyncio.sleep(args.delay_ms / 1000.0)
        seen = {"cookie": request.headers.get("Cookie"), "auth": "Authorization" in request.headers}
        response = web.json_response(
            {"deployment": args.name, "seq": seq, "bytes": len(body), "seen": seen},
            status=args.status,
        )
        response.set_cookie("stub", args.name)
        return response

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(state)

    async def main() -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/score", score)
        app.router.add_get("/_stub/stats", stats)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        write_ready(args.ready_file, port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(main())


def run_serial(args: argparse.Namespace) -> None:
    state = {"received": 0, "bytes": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection

        def log_message(self, format: str, *values: object) -> None:  # noqa: A002
            pass

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state["received"] += 1
            state["bytes"] += len(body)
            if args.reset:  # close with a TCP reset instead of answering
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()
                return
            time.sleep(args.delay_ms / 1000.0)
            self._answer(
                args.status, {"deployment": args.name, "seq": state["received"], "bytes": length}
            )

        def do_GET(self) -> None:  # noqa: N802
            self._answer(200, state)

    class Server(HTTPServer):
        request_queue_size = 4096  # queue connections instead of dropping SYNs

    server = Server(("127.0.0.1", 0), Handler)
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    write_ready(args.ready_file, server.server_address[1])
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="stub")
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--serial", action="store_true")
    parser.add_argument("--reset", action="store_true", help="(serial) reset every connection")
    args = parser.parse_args()
    (run_serial if args.serial else run_aiohttp)(args)


if __name__ == "__main__":
    main()
