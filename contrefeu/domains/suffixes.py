"""Registrable-domain splitting with the Public Suffix List, offline and cached.

What it is for: answering "which part of this host did somebody register?" for millions of
certificate-transparency names a day. The PSL snapshot shipped inside the publicsuffixlist
package is used with its private section (duckdns.org, azurewebsites.net...), extended by a
short list of free dynamic-DNS and free-hosting domains that the PSL does not list
(``words/hosting_suffixes.txt``): under those the attacker's choice is the label on the left,
exactly as under a private suffix. Also the list of TLDs over-represented in abuse.

What it is not for: resolving anything. The PSL is never fetched at run time.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def read_word_file(name: str) -> frozenset[str]:
    """Lines of a ``words/`` data file, lower-case, without comments and blanks."""
    text = resources.files("contrefeu.domains").joinpath("words", name).read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


@lru_cache(maxsize=1)
def _psl():  # type: ignore[no-untyped-def]
    from publicsuffixlist import PublicSuffixList

    # only_icann=False keeps the private section: free-DNS and hosting suffixes matter here.
    return PublicSuffixList(only_icann=False)


@lru_cache(maxsize=1)
def hosting_suffixes() -> frozenset[str]:
    """Free dynamic-DNS / hosting domains treated as suffixes (beyond the PSL's own)."""
    return read_word_file("hosting_suffixes.txt")


@lru_cache(maxsize=1)
def abused_tlds() -> frozenset[str]:
    """TLDs over-represented in abuse reports (evidence that only adds to brand evidence)."""
    return read_word_file("abused_tlds.txt")


@lru_cache(maxsize=1)
def _max_hosting_depth() -> int:
    return max(s.count(".") + 1 for s in hosting_suffixes())


@lru_cache(maxsize=262144)
def split_host(ascii_host: str) -> tuple[str, str] | None:
    """(registrable, suffix) of a lower-case ASCII host, or None when it is only a suffix.

    Cached: certificate-transparency streams repeat the same names many times (one
    certificate lists www., mail., autodiscover. ... of the same domain).
    """
    labels = ascii_host.split(".")
    hosted = hosting_suffixes()
    # A hosting suffix wins over the PSL when it is longer than what the PSL found.
    if len(labels) > 2:
        for depth in range(min(_max_hosting_depth(), len(labels) - 1), 1, -1):
            candidate = ".".join(labels[-depth:])
            if candidate in hosted:
                return ".".join(labels[-depth - 1 :]), candidate
    psl = _psl()
    suffix = psl.publicsuffix(ascii_host)
    if suffix is None or suffix == ascii_host:
        return None
    n = suffix.count(".") + 1
    return ".".join(labels[-n - 1 :]), suffix


def is_hosting_suffix(suffix: str) -> bool:
    """True when anyone can obtain a name under ``suffix`` (free DNS, hosting, PSL private)."""
    if suffix in hosting_suffixes():
        return True
    return "." in suffix and _is_private_psl(suffix)


@lru_cache(maxsize=4096)
def _is_private_psl(suffix: str) -> bool:
    from publicsuffixlist import PublicSuffixList

    icann = _icann_psl()
    assert isinstance(icann, PublicSuffixList)
    return icann.publicsuffix("x." + suffix) != suffix


@lru_cache(maxsize=1)
def _icann_psl():  # type: ignore[no-untyped-def]
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True)
