"""The web server's settings, read from the environment ``campusgrid serve`` passes on."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from zoning.api.asgi import is_loopback
from zoning.errors import InvalidInput
from zoning.services.accounts import DEFAULT_IDLE

#: Hours without use after which a web session ends (``campusgrid serve --idle-hours``).
IDLE_ENV = "CAMPUSGRID_IDLE_HOURS"
#: The folder of the heavy map layer files served at ``/layers/NAME``.
LAYER_DIR_ENV = "CAMPUSGRID_LAYER_DIR"
#: The database (as everywhere in campusgrid).
DB_ENV = "CAMPUSGRID_DB"


def idle_time() -> timedelta:
    """Return how long a session may stay unused: ``$CAMPUSGRID_IDLE_HOURS`` hours (a
    positive number), else 8 h."""
    text = os.environ.get(IDLE_ENV, "").strip()
    try:
        hours = float(text) if text else 0.0
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 366:
        return DEFAULT_IDLE
    return timedelta(hours=hours)


def layer_dir() -> Path:
    """Return the folder of the map's layer files: ``$CAMPUSGRID_LAYER_DIR``, else
    ``campusgrid/layers`` in the user's cache folder (``$XDG_CACHE_HOME``, else
    ``~/.cache``): writable however campusgrid was installed, never served as static files."""
    chosen = os.environ.get(LAYER_DIR_ENV, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return base / "campusgrid" / "layers"


def db_url() -> str | None:
    """Return ``$CAMPUSGRID_DB`` (None: the default database)."""
    return os.environ.get(DB_ENV, "").strip() or None


#: Single sign-on (OpenID Connect): the provider's issuer URL; unset, there is no SSO.
OIDC_ISSUER_ENV = "CAMPUSGRID_OIDC_ISSUER"
#: The client id and secret this server is registered under at the provider.
OIDC_CLIENT_ID_ENV = "CAMPUSGRID_OIDC_CLIENT_ID"
OIDC_SECRET_ENV = "CAMPUSGRID_OIDC_CLIENT_SECRET"
#: A file holding the secret instead (a service manager's credential file).
OIDC_SECRET_FILE_ENV = "CAMPUSGRID_OIDC_CLIENT_SECRET_FILE"
#: The ID token claim whose value is the campusgrid account name.
OIDC_CLAIM_ENV = "CAMPUSGRID_OIDC_CLAIM"
#: The sign-in page's button text.
OIDC_LABEL_ENV = "CAMPUSGRID_OIDC_LABEL"
DEFAULT_OIDC_CLAIM = "email"
DEFAULT_OIDC_LABEL = "统一身份认证 / Campus SSO"


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on as configured: issuer (no trailing ``/``), client, claim, label."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    claim: str = DEFAULT_OIDC_CLAIM
    label: str = DEFAULT_OIDC_LABEL


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _secret() -> str:
    secret = _env(OIDC_SECRET_ENV)
    path = _env(OIDC_SECRET_FILE_ENV)
    if secret and path:
        raise InvalidInput(f"Set {OIDC_SECRET_ENV} or {OIDC_SECRET_FILE_ENV}, not both.")
    if path:
        try:
            secret = Path(path).expanduser().read_text("utf-8").strip()
        except OSError as err:
            raise InvalidInput(
                f"{OIDC_SECRET_FILE_ENV}: cannot read {path} ({err.strerror}): check the path "
                "and that campusgrid may read it."
            ) from None
    if not secret:
        raise InvalidInput(
            f"Single sign-on needs the client secret: set {OIDC_SECRET_ENV} or "
            f"{OIDC_SECRET_FILE_ENV}."
        )
    return secret


def oidc_settings() -> OidcSettings | None:
    """Return the single sign-on settings, or None when ``$CAMPUSGRID_OIDC_ISSUER`` is unset.

    Raises InvalidInput (one line naming the variable) when SSO is half set up: no client
    id or secret, or an issuer that is not ``https://`` (plain ``http://`` only to this
    machine, for tests).
    """
    issuer = _env(OIDC_ISSUER_ENV).rstrip("/")
    if not issuer:
        return None
    parts = urlsplit(issuer)
    local = parts.scheme == "http" and is_loopback(parts.hostname)
    if not (parts.scheme == "https" or local) or not parts.hostname or parts.query:
        raise InvalidInput(
            f"{OIDC_ISSUER_ENV}={issuer!r} is not an https:// URL: give the provider's issuer "
            "(as its /.well-known/openid-configuration says)."
        )
    client_id = _env(OIDC_CLIENT_ID_ENV)
    if not client_id:
        raise InvalidInput(f"Single sign-on needs {OIDC_CLIENT_ID_ENV} (the provider gives it).")
    claim = _env(OIDC_CLAIM_ENV) or DEFAULT_OIDC_CLAIM
    label = _env(OIDC_LABEL_ENV) or DEFAULT_OIDC_LABEL
    return OidcSettings(issuer, client_id, _secret(), claim, label)


def sso_label() -> str | None:
    """Return the sign-in page's SSO button text, or None when single sign-on is not (fully)
    set up (the page then offers the password form only)."""
    try:
        found = oidc_settings()
    except InvalidInput:
        return None
    return found.label if found is not None else None
