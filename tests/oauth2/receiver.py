"""A relying party's back-channel logout endpoint, for tests: a real HTTP server (Starlette on
uvicorn, in a thread, on a free loopback port) that records each logout_token POSTed to it.

`fail_first[path] = n` makes the first n POSTs to that path answer 503, as a client that is
down for a moment would.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Received:
    path: str
    content_type: str
    logout_token: str


@dataclass
class Receiver:
    base: str = ""
    posts: list[Received] = field(default_factory=list)
    fail_first: dict[str, int] = field(default_factory=dict)

    def tokens(self, path: str) -> list[str]:
        return [p.logout_token for p in self.posts if p.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[str]:
        """The logout_tokens POSTed to `path`, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.tokens(path)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} logout_token(s) expected at {path}, got {self.posts}")


def _app(receiver: Receiver) -> Starlette:
    async def receive(request: Request) -> Response:
        form = await request.form()
        path = request.url.path
        receiver.posts.append(
            Received(
                path,
                request.headers.get("content-type", ""),
                str(form.get("logout_token", "")),
            )
        )
        if receiver.fail_first.get(path, 0) > 0:
            receiver.fail_first[path] -= 1
            return Response(status_code=503)
        return Response(status_code=200, headers={"Cache-Control": "no-store"})

    return Starlette(routes=[Route("/{rest:path}", receive, methods=["POST"])])


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    receiver.base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(_app(receiver), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.started, "the receiver did not start"
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
