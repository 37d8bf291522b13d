"""Making leaked HTML mail safe to look at: nh3 sanitising plus removal of every remote reference.

Leaked HTML is hostile: scripts, event handlers, `javascript:` links, CSS tricks and tracking
pixels. The review UI shows an HTML body only as the `srcdoc` of a sandboxed iframe (no scripts,
opaque origin) under a CSP that forbids remote loads; this module is the layer before that:
nh3 (the Rust `ammonia` sanitizer) keeps a small set of layout tags, and an attribute filter
drops every URL-valued attribute except inline `data:` images, so nothing in the page could
call home even if the other layers failed. CSS is removed entirely (no `style` attribute or
element survives), which also removes `url()` and `background` references.

Also here: finding the text/html part of a raw message with the stdlib email parser.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage

import nh3

MAX_HTML_CHARS = 2_000_000  # larger bodies are cut before sanitising (huge-body attacks)
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS) - {"area", "map"}  # image maps carry URLs
# Attributes kept per tag: layout only. URL-valued ones go through `_filter_attribute`.
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    tag: {a for a in attrs if a not in {"cite", "href", "hreflang", "src"}}
    for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()
}
ALLOWED_ATTRIBUTES["*"] = {"title", "lang", "dir"}
# URL-valued attributes are let through to `_filter_attribute` only so that it can count what it
# removes (the reviewer is told); it keeps nothing but inline raster images.
for _tag, _urls in {
    "a": {"href"},
    "img": {"src", "srcset", "longdesc"},
    "table": {"background"},
    "td": {"background"},
    "th": {"background"},
    "tr": {"background"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite"},
    "ins": {"cite"},
}.items():
    ALLOWED_ATTRIBUTES[_tag] = ALLOWED_ATTRIBUTES.get(_tag, set()) | _urls
URL_ATTRIBUTES = frozenset(
    {
        "src",
        "href",
        "cite",
        "longdesc",
        "background",
        "srcset",
        "poster",
        "action",
        "formaction",
        "data",
        "xlink:href",
    }
)
_SAFE_IMAGE = re.compile(r"^data:image/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]*$", re.I)


@dataclass(frozen=True)
class SanitizedHtml:
    """Safe HTML for an iframe's srcdoc, with what was taken out (to tell the reviewer)."""

    html: str
    removed_references: int  # remote images, links and other URLs dropped
    truncated: bool


def sanitize_html(html: str, *, max_chars: int = MAX_HTML_CHARS) -> SanitizedHtml:
    """Sanitise leaked HTML and strip every reference that could make the browser load a URL."""
    truncated = len(html) > max_chars
    if truncated:
        html = html[:max_chars]
    removed = 0

    def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
        nonlocal removed
        if attribute not in URL_ATTRIBUTES:
            return value
        if tag == "img" and attribute == "src" and _SAFE_IMAGE.match(value.strip()):
            return value.strip()
        removed += 1
        return None

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "textarea", "title"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=None,
        # Every scheme reaches the filter (which drops all but inline images) so that each
        # removed reference is counted; nothing here decides what is kept.
        url_schemes={"data", "http", "https", "ftp", "mailto", "cid", "javascript", "file"},
    )
    return SanitizedHtml(cleaned, removed, truncated)


@dataclass(frozen=True)
class HtmlPart:
    """The text/html body of a message, or why there is none."""

    html: str | None
    error: str | None = None


def html_part_of(raw: bytes) -> HtmlPart:
    """The decoded text/html body of a raw RFC 5322 message (stdlib parser); never raises."""
    if len(raw) > MAX_MESSAGE_BYTES:
        return HtmlPart(None, f"message too large to render ({len(raw):,} bytes)")
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("html",))
        if part is None or part.get_content_type() != "text/html":
            return HtmlPart(None)
        try:
            content = part.get_content()
        except (LookupError, ValueError, AssertionError):
            # Unknown or lying charset: show the bytes decoded leniently rather than nothing.
            payload = part.get_payload(decode=True)
            content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        return HtmlPart(content if isinstance(content, str) else None)
    except Exception as exc:  # hostile MIME can break the stdlib parser in many ways
        return HtmlPart(None, f"the HTML part could not be parsed: {type(exc).__name__}")
