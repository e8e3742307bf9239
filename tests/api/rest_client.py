"""Calling the real server's REST API: JSON over plain HTTP, an API token per role."""

from __future__ import annotations

import io
import json
from typing import Any

from tests.actors import ADMIN
from tests.e2e.signin import E2E_PASSWORD, Reply, ensure_account, request
from zoning.services import accounts
from zoning.services.database import open_engine

CAMPUS = "demo"


def call(
    base: str,
    path: str,
    token: str | None = None,
    *,
    method: str = "GET",
    body: Any = None,
    raw: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, Reply]:
    """Send one API request; return (status, parsed JSON body or None, the reply)."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else None if body is None else json.dumps(body)
    if data is not None:
        sent.setdefault("Content-Type", "application/json")
    reply = request(base, path, method=method, body=data, headers=sent)
    try:
        parsed = json.loads(reply.body) if reply.body else None
    except ValueError:
        parsed = None
    return reply.status, parsed, reply


def token_for(db_url: str, name: str, role: str, **link: str | int | None) -> str:
    """Make account ``name`` of ``role`` (unless it exists) and return a new API token."""
    ensure_account(db_url, name, role, **link)
    engine = open_engine(db_url)
    try:
        _, token = accounts.add_token(engine, ADMIN, name, label="tests")
    finally:
        engine.dispose()
    return token


__all__ = ["CAMPUS", "E2E_PASSWORD", "call", "token_for"]


def centre(feature: dict[str, Any]) -> tuple[float, float]:
    """Return the mean of a GeoJSON polygon's outer ring (lon, lat): a spot inside a cell."""
    ring = feature["geometry"]["coordinates"][0]
    ring = ring[0] if isinstance(ring[0][0], list) else ring
    return (sum(p[0] for p in ring[:-1]) / (len(ring) - 1),
            sum(p[1] for p in ring[:-1]) / (len(ring) - 1))  # fmt: skip


def multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    """Return a multipart/form-data body of ``parts`` (name, file name or None, bytes) and
    its content type."""
    boundary = "campusgrid-test-boundary"
    out = io.BytesIO()
    for name, filename, data in parts:
        out.write(f"--{boundary}\r\n".encode())
        extra = f'; filename="{filename}"' if filename else ""
        out.write(f'Content-Disposition: form-data; name="{name}"{extra}\r\n\r\n'.encode())
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def post_bytes(base: str, path: str, token: str, data: bytes, kind: str) -> tuple[int, Any]:
    """POST ``data`` of content type ``kind`` with ``token``; return (status, JSON answer)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": kind}
    reply = request(base, path, method="POST", body=data, headers=headers, timeout=60)
    return reply.status, json.loads(reply.body)
