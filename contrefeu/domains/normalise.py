"""Turn an observed domain or URL into comparable forms.

What it is for: parsing one hostile string (a bare domain, a URL, a host with a port) into a
lower-case host, its registrable domain and the label an attacker chose, and folding that label
into the shapes a reader's eye would take for the brand: Unicode decoded from punycode, accents
stripped, UTS #39 confusables mapped to their Latin prototype. ASCII look-alikes (rn -> m,
0 -> o, vv -> w) are folded by ``evidence.py``, only where they spell a protected brand.

What it is not for: deciding whether the result imitates a brand (see ``score.py``). Nothing
here touches the network.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from urllib.parse import urlsplit

from contrefeu.domains.suffixes import split_host

MAX_HOST = 253
MAX_LABEL = 63
_PLAIN_HOST = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})+")


class DomainParseError(ValueError):
    """The text is not a usable host name (the message says why, for the error object)."""


@dataclass(slots=True)  # not frozen: frozen dataclasses are slow to build, and we build millions
class ObservedHost:
    """One observed host, split along the Public Suffix List."""

    text: str  # the input as given (trimmed)
    host: str  # lower-case, Unicode form (IDN decoded)
    ascii_host: str  # the same in punycode (what DNS sees)
    registrable: str  # eTLD+1 in Unicode form, private suffixes included
    suffix: str  # public (or private) suffix of the registrable domain
    label: str  # registrable minus suffix: the attacker's free choice
    subdomains: tuple[str, ...]  # labels left of the registrable domain
    path: str  # URL path and query (empty for a bare domain)
    idn: bool  # some label was punycode or non-ASCII


def parse_observed(text: str) -> ObservedHost:
    """Parse a bare domain or URL; raise ``DomainParseError`` for anything unusable."""
    raw = text.strip()
    if not raw:
        raise DomainParseError("empty input")
    if len(raw) > 4096:
        raise DomainParseError("input longer than 4096 characters")
    path = ""
    if "/" in raw or "://" in raw or "@" in raw or "?" in raw:
        candidate = raw if "://" in raw else "//" + raw
        try:
            parts = urlsplit(candidate)
            hostname = parts.hostname or ""
        except ValueError as exc:  # bad port, bad IPv6 brackets...
            raise DomainParseError(f"malformed URL: {exc}") from None
        path = parts.path + (("?" + parts.query) if parts.query else "")
    else:
        hostname = raw.split(":", 1)[0] if raw.count(":") == 1 else raw
    return _parse_host(hostname, raw, path)


def _parse_host(hostname: str, raw: str, path: str) -> ObservedHost:
    host = hostname.strip().rstrip(".").lower()
    if host.startswith("*."):  # certificate wildcards
        host = host[2:]
    if not host:
        raise DomainParseError("no host name")
    if len(host) > MAX_HOST:
        raise DomainParseError(f"host name longer than {MAX_HOST} characters")
    if "." not in host:
        raise DomainParseError("not a domain name (no dot)")
    if _PLAIN_HOST.fullmatch(host) and "xn--" not in host:
        # Fast path, most names: plain ASCII labels of 1..63 characters.
        unicode_labels = ascii_labels = host.split(".")
        uhost = ahost = host
        idn = False
    else:
        unicode_labels = []
        ascii_labels = []
        idn = False
        for label in host.split("."):
            uni, asc, was_idn = _decode_label(label)
            idn = idn or was_idn
            unicode_labels.append(uni)
            ascii_labels.append(asc)
        uhost = ".".join(unicode_labels)
        ahost = ".".join(ascii_labels)
    if len(ahost) > MAX_HOST:
        raise DomainParseError(f"encoded host name longer than {MAX_HOST} characters")
    if ahost.replace(".", "").isdigit():
        raise DomainParseError("an IP address, not a domain name")
    split = split_host(ahost)
    if split is None:
        raise DomainParseError("no registrable domain (the name is a public suffix)")
    registrable_ascii, suffix_ascii = split
    n_reg = registrable_ascii.count(".") + 1
    if idn:
        registrable = ".".join(unicode_labels[-n_reg:])
        suffix = ".".join(unicode_labels[-suffix_ascii.count(".") - 1 :])
    else:
        registrable, suffix = split
    return ObservedHost(
        text=raw,
        host=uhost,
        ascii_host=ahost,
        registrable=registrable,
        suffix=suffix,
        label=unicode_labels[-n_reg],
        subdomains=tuple(unicode_labels[:-n_reg]),
        path=path,
        idn=idn,
    )


def _decode_label(label: str) -> tuple[str, str, bool]:
    """(unicode, ascii, was_idn) for one label; raise DomainParseError when invalid."""
    if not label:
        raise DomainParseError("empty label (two dots in a row)")
    if label.isascii():
        if len(label) > MAX_LABEL:
            raise DomainParseError(f"label longer than {MAX_LABEL} characters")
        if not all(c.isalnum() or c in "-_" for c in label):
            raise DomainParseError(f"invalid character in label {label[:40]!r}")
        if label.startswith("xn--"):
            try:
                uni = label[4:].encode("ascii").decode("punycode")
            except (UnicodeError, ValueError):
                raise DomainParseError(f"invalid punycode label {label[:40]!r}") from None
            if not uni or any(
                not (c.isalnum() or c in "-_" or unicodedata.category(c) == "Mn") for c in uni
            ):
                raise DomainParseError(f"punycode decodes to invalid text {label[:40]!r}")
            return uni.lower(), label, True
        return label, label, False
    if any(unicodedata.category(c)[0] in "CZ" for c in label):
        raise DomainParseError("control, format or space character in host name")
    if not all(c.isalnum() or c in "-_" or unicodedata.category(c) == "Mn" for c in label):
        raise DomainParseError(f"invalid character in label {label[:40]!r}")
    try:
        asc = "xn--" + label.encode("punycode").decode("ascii")
    except UnicodeError:
        raise DomainParseError("label cannot be encoded as punycode") from None
    if len(asc) > MAX_LABEL:
        raise DomainParseError(f"encoded label longer than {MAX_LABEL} characters")
    return label, asc, True


# --- folding ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _confusable_map() -> dict[str, str]:
    """Map every character listed by UTS #39 as confusable with an ASCII letter or digit.

    The data is the confusables table shipped by the confusable-homoglyphs package (a JSON
    rendering of Unicode's confusables.txt), read offline.
    """
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    out: dict[str, str] = {}
    targets = "abcdefghijklmnopqrstuvwxyz0123456789"
    for proto in targets:
        for entry in data.get(proto, ()):
            glyph = entry["c"].strip("\u200e\u200f")
            if len(glyph) == 1 and not glyph.isascii():
                out.setdefault(glyph, proto)
    # Upper-case Latin prototypes fold too (IDN labels are lower-cased, but confusables of
    # capitals such as Cyrillic "Н" survive lower-casing as other letters).
    for proto in targets:
        for entry in data.get(proto.upper(), ()):
            glyph = entry["c"].strip("\u200e\u200f")
            if len(glyph) == 1 and not glyph.isascii():
                out.setdefault(glyph.lower(), proto)
    return out


def skeleton(label: str) -> str:
    """ASCII skeleton of a Unicode label: confusables mapped, accents stripped, rest kept."""
    if label.isascii():
        return label
    table = _confusable_map()
    mapped = "".join(table.get(c, c) for c in label)
    decomposed = unicodedata.normalize("NFKD", mapped)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def letters_only(label: str) -> str:
    """The label without hyphens and underscores (run-together form)."""
    return label.replace("-", "").replace("_", "")
