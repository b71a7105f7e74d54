"""Who may talk to the dashboard.

* It binds 127.0.0.1 unless told otherwise; any other address needs a token (printed at start),
  checked on every request: `?token=` once (the page then keeps it in a same-site cookie) or
  the `X-Explorer-Token` header.
* Every request's Host header must name the served address (a page elsewhere that rebinds a
  DNS name to 127.0.0.1 is refused), and an action must come from the page itself: a POST with
  a JSON body, the `X-Explorer-Action` header (a cross-site form cannot send it) and, when the
  browser sends one, an Origin of the same host.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
TOKEN_COOKIE = "explorer_token"
TOKEN_HEADER = "x-explorer-token"
ACTION_HEADER = "x-explorer-action"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class AccessPolicy:
    """The checks every request goes through (see the module docstring)."""

    host: str
    port: int
    token: str | None  # None: loopback without a token

    @classmethod
    def for_bind(cls, host: str, port: int, token: str | None = None) -> AccessPolicy:
        """Loopback needs no token (one may be given); any other address always gets one."""
        if token is None and not is_loopback(host):
            token = new_token()
        return cls(host, port, token)

    def allowed_hosts(self) -> set[str]:
        names = {self.host} | (set(LOOPBACK_NAMES) if is_loopback(self.host) else set())
        return {f"{n}:{self.port}" for n in names} | names

    def host_problem(self, host_header: str) -> str | None:
        if self.host in ("0.0.0.0", "::"):
            return None  # every interface: any name the client used (the token still guards)
        if host_header.lower() not in self.allowed_hosts():
            return f"Host {host_header!r} is not the served address"
        return None

    def token_ok(self, query: str | None, header: str | None, cookie: str | None) -> bool:
        if self.token is None:
            return True
        given = query or header or cookie or ""
        return hmac.compare_digest(given.encode(), self.token.encode())

    def action_problem(self, headers: dict[str, str]) -> str | None:
        """Why a POST is not accepted as an action from the page, or None."""
        if headers.get(ACTION_HEADER) != "1":
            return f"actions need the {ACTION_HEADER} header (sent by the dashboard page)"
        if not headers.get("content-type", "").startswith("application/json"):
            return "actions are JSON"
        origin = headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1].lower() not in self.allowed_hosts():
            return f"Origin {origin!r} is not the dashboard"
        return None
