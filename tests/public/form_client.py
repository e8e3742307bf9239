"""Posting the public form as a phone does: multipart/form-data over plain HTTP, from a
chosen 127.0.0.x address (so that each test has its own client for the rate limits)."""

from __future__ import annotations

import re
import secrets

from tests.e2e.signin import Reply, request

CSRF_COOKIE = "campusgrid_report_csrf"


def send(
    base: str,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    client: str = "127.0.0.1",
) -> Reply:
    """Send one request from ``client`` (a loopback address); return the reply."""
    return request(base, path, method=method, body=body, headers=headers, client=client)


def multipart(
    fields: dict[str, str], photo: tuple[str, str, bytes] | None = None
) -> tuple[bytes, str]:
    """Return a multipart body and its content type; ``photo``: (file name, type, bytes)."""
    boundary = "----campusgrid" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    if photo is not None:
        filename, kind, data = photo
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_report(
    base: str,
    fields: dict[str, str],
    *,
    photo: tuple[str, str, bytes] | None = None,
    client: str = "127.0.0.1",
    csrf: str | None = "",
) -> Reply:
    """POST /report with a matching double-submit token (a fresh one unless ``csrf`` is
    given; None: no token at all)."""
    token = csrf if csrf else secrets.token_urlsafe(24)
    body, kind = multipart({**fields, "csrf": token} if csrf is not None else fields, photo)
    headers = {"Content-Type": kind}
    if csrf is not None:
        headers["Cookie"] = f"{CSRF_COOKIE}={token}"
    return send(base, "/report", method="POST", body=body, headers=headers, client=client)


def tracking_number(reply: Reply) -> str:
    """Return the tracking number a success page shows."""
    found = re.search(r'id="tracking">([A-Za-z0-9_-]+)<', reply.body)
    assert found is not None, reply.body
    return found.group(1)
