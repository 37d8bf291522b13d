"""Check the ARC chain of a message (RFC 8617) with dkimpy, using the same key resolver.

ARC records which intermediaries (mailing lists, forwarders, large providers) handled a
message and what they saw. It never makes a leaked item authentic by itself: a valid chain
only shows the sealers' view. What matters here is telling a *missing key* (common for old
mail: sealing keys rotate fast) apart from a broken chain, so neither is called a forgery.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import dkim
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import HASH_ALGORITHMS
from dkim.util import parse_tag_value

from contrefeu.leak import fastverify
from contrefeu.leak.keys import KeyResolver
from contrefeu.model import Finding, SignatureResult

ARC_HEADER_NAMES = (b"arc-seal", b"arc-message-signature", b"arc-authentication-results")
_HAS_ARC = re.compile(rb"(?im)^arc-(?:seal|message-signature|authentication-results)[ \t]*:")


@dataclass
class ArcOutcome:
    """The chain result and one SignatureResult per ARC set (newest first, as dkimpy)."""

    chain: str | None  # "pass" | "fail" | "none"; None when the message has no ARC headers
    sets: list[SignatureResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""


class _RecordingDns:
    """A dnspython-style ``dnsfunc`` answering from a KeyResolver; notes missing names."""

    def __init__(self, resolver: KeyResolver) -> None:
        self.resolver = resolver
        self.missing: set[str] = set()

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
        text = text.rstrip(".").lower()
        selector, sep, domain = text.partition("._domainkey.")
        rec = self.resolver.lookup(domain, selector) if sep else None
        if rec is None:
            self.missing.add(text)
            return None
        return rec.txt.encode("utf-8", "replace")


def verify_arc(raw: bytes, resolver: KeyResolver) -> ArcOutcome:
    """Verify every ARC set of `raw`; never raises."""
    if not _HAS_ARC.search(raw):
        return ArcOutcome(None)
    dns = _RecordingDns(resolver)
    logger = logging.getLogger("contrefeu.leak.arc.dkimpy")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False
    try:
        signer = dkim.ARC(raw, logger=logger)
        cv, results, reason = signer.verify(dnsfunc=dns)
    except Exception as exc:  # dkimpy raises non-DKIM errors on some hostile input
        signer, cv, results, reason = None, dkim.CV_Fail, [], f"{type(exc).__name__}: {exc}"
    chain = (cv or b"none").decode("ascii", "replace").lower()
    out = ArcOutcome(chain, reason=str(reason))
    for res in results:
        out.sets.append(_set_result(res, dns, signer, chain, out.reason))
    _chain_findings(out, dns)
    return out


def _set_result(
    res: dict[str, Any], dns: _RecordingDns, signer: Any, chain: str, reason: str
) -> SignatureResult:
    instance = int(res.get("instance", 0))
    domain = _text(res.get("ams-domain", b"")).lower()
    selector = _text(res.get("ams-selector", b""))
    sealer = f"{_text(res.get('as-selector', b''))}._domainkey.{_text(res.get('as-domain', b''))}"
    signer_name = f"{selector}._domainkey.{domain}".lower()
    sr = SignatureResult(
        domain=domain,
        selector=selector,
        algorithm="rsa-sha256",
        result="fail-signature",
        detail="",
        index=instance,
        kind="arc",
        canonicalization="relaxed/relaxed",
    )
    ams = _ams_tags(signer, instance)
    if ams is not None:
        sr.algorithm = _text(ams.get(b"a", b"rsa-sha256"))
        sr.signed_headers = [_text(h).strip().lower() for h in ams.get(b"h", b"").split(b":")]
        sr.bh_match = _ams_body_matches(signer, ams)
    missing = [n for n in (signer_name, sealer.lower()) if n in dns.missing]
    tail = f" Chain result: {chain} ({reason})."
    if missing:
        sr.result = "no-key"
        sr.detail = (
            f"ARC set {instance} (signed by {domain}, selector {selector}) cannot be checked: "
            f"no key is known for {', '.join(missing)}. This is not evidence of forgery." + tail
        )
    elif res.get("ams-valid") and res.get("as-valid"):
        sr.result = "pass"
        sr.detail = f"ARC set {instance} of {domain} (selector {selector}) is valid." + tail
    elif not res.get("ams-valid") and sr.bh_match is False:
        sr.result = "fail-body"
        sr.detail = (
            f"ARC set {instance} of {domain}: the body changed after this intermediary "
            "sealed the message." + tail
        )
    else:
        part = "message signature" if not res.get("ams-valid") else "seal"
        sr.detail = f"ARC set {instance} of {domain}: the ARC {part} does not verify." + tail
    return sr


def _ams_tags(signer: Any, instance: int) -> dict[bytes, bytes] | None:
    if signer is None:
        return None
    for name, value in signer.headers:
        if name.lower() != b"arc-message-signature":
            continue
        try:
            tags = parse_tag_value(value)
        except Exception:  # noqa: S112 - a malformed set is reported by dkimpy's result
            continue
        if tags.get(b"i", b"").strip() == str(instance).encode():
            return tags
    return None


def _ams_body_matches(signer: Any, tags: dict[bytes, bytes]) -> bool | None:
    try:
        policy = CanonicalizationPolicy.from_c_value(tags.get(b"c", b"relaxed/relaxed"))
        body = fastverify.canonical_body(signer.body or b"", policy.body_algorithm)
        if b"l" in tags:
            body = body[: int(tags[b"l"])]
        digest = HASH_ALGORITHMS[tags[b"a"]](body).digest()
        return digest == base64.b64decode(re.sub(rb"\s+", b"", tags[b"bh"]))
    except (KeyError, ValueError, binascii.Error, TypeError, Exception):
        return None


def _chain_findings(out: ArcOutcome, dns: _RecordingDns) -> None:
    n = len(out.sets)
    if out.chain == "pass":
        out.findings.append(
            Finding(
                "arc-chain-pass",
                "info",
                f"The ARC chain ({n} set{'s' if n != 1 else ''}) validates. ARC only records "
                "what intermediaries saw; it does not make the message authentic by itself.",
            )
        )
        return
    if dns.missing:
        out.findings.append(
            Finding(
                "arc-no-key",
                "info",
                "The ARC chain cannot be fully checked: no key is known for "
                f"{', '.join(sorted(dns.missing))}. A missing ARC key is not a sign of forgery.",
            )
        )
        return
    if out.chain == "fail":
        out.findings.append(
            Finding(
                "arc-chain-fail",
                "low",
                f"The ARC chain does not validate ({out.reason}). Forwarding and list software "
                "often break ARC; on its own this is not proof of tampering.",
            )
        )
    else:
        out.findings.append(
            Finding("arc-chain-none", "info", f"The ARC headers form no chain ({out.reason}).")
        )


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
