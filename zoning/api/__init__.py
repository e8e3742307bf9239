"""The web server's own routes and its sign-in gate, pure Starlette/ASGI (no Streamlit):
``app_pages/server.py`` puts them in front of the Streamlit app.

- :mod:`~zoning.api.guard`: the middleware refusing everything but the sign-in page to a
  browser without a live session;
- :mod:`~zoning.api.signin`: ``/signin`` and ``/signout``;
- :mod:`~zoning.api.oidc`: ``/signin/sso`` and its callback, single sign-on (OpenID Connect);
- :mod:`~zoning.api.layers`: ``/layers/NAME``, the map's heavy layer files;
- :mod:`~zoning.api.rest`: the REST API under ``/api/v1`` (API tokens, OpenAPI);
- :mod:`~zoning.api.open311`: Open311 GeoReport v2 under ``/open311/v2``;
- :mod:`~zoning.api.phone`: ``/m``, the phone page for grid owners (offline queue);
- :mod:`~zoning.api.public`: the public complaint form ``/report`` and ``/track/NUMBER``;
- :mod:`~zoning.api.settings`: idle time, layer folder, database from the environment.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from zoning.api import layers, oidc, open311, phone, public, rest, signin
from zoning.api.asgi import SESSION_COOKIE
from zoning.api.guard import SignInGuard
from zoning.api.settings import idle_time, layer_dir


def routes() -> list[BaseRoute]:
    """Return campusgrid's routes: sign-in (password and SSO), sign-out, the layer files,
    the REST API and Open311."""
    return [
        *signin.routes(),
        *oidc.routes(),
        *layers.routes(),
        *phone.routes(),
        *open311.routes(),
        *public.routes(),
        *rest.routes(open311.openapi_paths()),
    ]


def middleware() -> list[Middleware]:
    """Return the middleware in front of everything: the sign-in gate."""
    return [Middleware(SignInGuard)]


__all__ = ["SESSION_COOKIE", "SignInGuard", "idle_time", "layer_dir", "middleware", "routes"]
