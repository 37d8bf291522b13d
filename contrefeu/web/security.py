"""What keeps the review UI private: access token, Host check, CSRF and security headers.

The UI shows leaked mail on the reviewer's own machine. Threats it defends against: another
web page in the same browser (CSRF, DNS rebinding: Host check, SameSite=Strict cookies), other
people on the network when bound beyond loopback (random access token), and the leaked
content itself (strict CSP: no remote loads, no inline script; the HTML body is sanitised and
sandboxed separately, see sanitize.py). Not for: authentication of several reviewers (the
reviewer's name on a decision is self-declared, as on a paper review sheet).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

TOKEN_COOKIE = "contrefeu_token"
CSRF_COOKIE = "contrefeu_csrf"
CSRF_FIELD = "csrf"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    # Leaked content must not linger in the browser's disk cache.
    "Cache-Control": "no-store",
}
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 (recognising it, not binding)


def is_loopback(host: str) -> bool:
    """True for an address or name that only this machine can reach."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_required(host: str) -> bool:
    """An access token is required whenever the UI is bound beyond loopback."""
    return not is_loopback(host)


def new_token() -> str:
    """A random access token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def reviewer_url(host: str, port: int, token: str | None) -> str:
    """The URL to open (with the token once, when there is one)."""
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    shown = f"[{shown}]" if ":" in shown else shown
    query = "?" + urlencode({"token": token}) if token else ""
    return f"http://{shown}:{port}/{query}"


@dataclass(frozen=True)
class AccessPolicy:
    """How a running UI decides whom to answer."""

    bind_host: str = "127.0.0.1"
    token: str | None = None
    extra_hosts: frozenset[str] = field(default_factory=frozenset)

    @property
    def allowed_hosts(self) -> frozenset[str] | None:
        """Host header names accepted; None means any (bound to a wildcard, token required)."""
        if self.bind_host in WILDCARD_HOSTS:
            return None
        return LOOPBACK_NAMES | {self.bind_host.strip("[]").lower()} | self.extra_hosts

    def host_allowed(self, host_header: str | None) -> bool:
        allowed = self.allowed_hosts
        if allowed is None:
            return True
        return host_name(host_header or "") in allowed


def host_name(host_header: str) -> str:
    """The name part of a Host header (without port, IPv6 brackets removed), lower-case."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def check_csrf(request: Request, form_value: str | None) -> bool:
    """The double-submit check: the form's hidden field equals the session's cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not form_value:
        return False
    return secrets.compare_digest(cookie.encode(), form_value.encode())


def csrf_token_for(request: Request) -> str:
    """The session's CSRF token (from its cookie, or a new one the response must set)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) == 43:
        return existing
    token: str = getattr(request.state, "new_csrf", None) or secrets.token_urlsafe(32)
    request.state.new_csrf = token
    return token


Handler = Callable[[Request], Awaitable[Response]]


def guard_middleware(policy: AccessPolicy) -> Callable[[Request, Handler], Awaitable[Response]]:
    """HTTP middleware: Host check, access token, CSRF cookie and security headers."""

    async def guard(request: Request, call_next: Handler) -> Response:
        response = await _decide(policy, request, call_next)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        new_csrf = getattr(request.state, "new_csrf", None)
        if new_csrf:
            response.set_cookie(CSRF_COOKIE, new_csrf, httponly=True, samesite="strict", path="/")
        return response

    return guard


async def _decide(policy: AccessPolicy, request: Request, call_next: Handler) -> Response:
    if not policy.host_allowed(request.headers.get("host")):
        return PlainTextResponse(
            "Host not allowed: open the UI through its local address.", status_code=421
        )
    if policy.token:
        given = request.query_params.get("token")
        cookie = request.cookies.get(TOKEN_COOKIE)
        if given is not None and secrets.compare_digest(given.encode(), policy.token.encode()):
            # Token accepted once: keep it in a cookie and drop it from the address bar.
            rest = urlencode([(k, v) for k, v in parse_qsl(request.url.query) if k != "token"])
            target = request.url.path + ("?" + rest if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                TOKEN_COOKIE, policy.token, httponly=True, samesite="strict", path="/"
            )
            return response
        if not cookie or not secrets.compare_digest(cookie.encode(), policy.token.encode()):
            return PlainTextResponse(
                "Access token required: open the URL printed by 'contrefeu leak serve'.",
                status_code=403,
            )
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("origin")
        if (
            origin
            and origin != "null"
            and host_name(origin.split("//", 1)[-1]) != host_name(request.headers.get("host", ""))
        ):
            return PlainTextResponse("Cross-origin request refused.", status_code=403)
    return await call_next(request)
