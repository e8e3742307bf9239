"""A local HTTP server playing the WeCom, DingTalk and Feishu group robots (paths /wecom,
/dingtalk, /feishu), checking each body as the robot's documentation says and DingTalk's and
Feishu's signatures; and a local SMTP server (aiosmtpd) keeping the messages it gets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

from tests.ports import free_port

#: The secret both the tests' signed channels and this server know.
SECRET = "SEC-test-秘密"


@dataclass
class Robots:
    """What the robots received (kind, body) and what they answer next (``fail``: an
    ``errcode``/``code`` the robot answers instead of ok, per kind)."""

    url: str
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)

    def bodies(self, kind: str) -> list[dict[str, Any]]:
        """Return the accepted bodies of ``kind``."""
        return [b for k, b in self.received if k == kind]


def _check(kind: str, query: dict[str, list[str]], body: dict[str, Any]) -> str | None:
    """Return why the robot would refuse ``body`` (None: valid)."""
    if kind == "wecom":
        ok = body.get("msgtype") == "markdown" and isinstance(body["markdown"]["content"], str)
        return None if ok else "bad wecom body"
    if kind == "dingtalk":
        if body.get("msgtype") != "markdown" or not body["markdown"].get("title"):
            return "bad dingtalk body"
        if "sign" in query:
            ts = query["timestamp"][0]
            want = base64.b64encode(
                hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
            ).decode()
            return None if query["sign"][0] == want else "dingtalk sign mismatch"
        return None
    if body.get("msg_type") != "post" or "zh_cn" not in body["content"]["post"]:
        return "bad feishu body"
    if "sign" in body:
        key = f"{body['timestamp']}\n{SECRET}".encode()
        want = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return None if body["sign"] == want else "feishu sign mismatch"
    return None


@contextmanager
def robot_server() -> Iterator[Robots]:
    """Serve the three robots on 127.0.0.1 for the block."""
    port = free_port()
    robots = Robots(url=f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            kind = parts.path.strip("/")
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            problem = _check(kind, parse_qs(parts.query), body)
            code = robots.fail.get(kind, 0)
            if problem is None and code == 0:
                robots.received.append((kind, body))
            else:
                robots.refused.append((kind, problem or f"code {code}"))
            code = code or (0 if problem is None else 310000)
            key = "code" if kind == "feishu" else "errcode"
            message = problem or (f"refused with {code}" if code else "ok")
            reply = {key: code, "msg" if kind == "feishu" else "errmsg": message}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield robots
    finally:
        server.shutdown()
        server.server_close()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[Message]]]:
    """Run an SMTP server on 127.0.0.1 for the block; yield its port and the messages."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox.messages
    finally:
        controller.stop()
