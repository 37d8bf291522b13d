"""From evidence to a verdict: the per-item rules (documented in docs/verdicts.md).

The rules read signature results and findings; they never re-run a detector. Cryptographic proof
beats heuristics, and the rules are conservative: nothing is called `authentic` without a valid
aligned signature over the whole body, and a failure that has a benign explanation (an mbox
quoting artefact, truncation of a damaged file) is not called `altered`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from contrefeu.model import Finding, SignatureResult

FAILED = ("fail-body", "fail-signature")


@lru_cache(maxsize=1)
def _psl():  # type: ignore[no-untyped-def]
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@lru_cache(maxsize=4096)
def organizational_domain(domain: str) -> str:
    """The registrable domain (DMARC's organisational domain), from the offline suffix list."""
    domain = domain.strip().lower().rstrip(".")
    return _psl().privatesuffix(domain) or domain


def aligned(signing_domain: str, from_domain: str | None) -> bool:
    """DMARC relaxed alignment: same organisational domain."""
    if not from_domain or not signing_domain:
        return False
    return organizational_domain(signing_domain) == organizational_domain(from_domain)


def covers_whole_body(sig: SignatureResult) -> bool:
    if sig.body_length is None or sig.body_length_total is None:
        return True
    return sig.body_length >= sig.body_length_total


@dataclass(frozen=True)
class Decision:
    verdict: str
    confidence: float
    findings: tuple[Finding, ...] = ()


def decide_email(
    signatures: list[SignatureResult],
    findings: list[Finding],
    *,
    from_domain: str | None,
    from_count: int,
    malformed: bool,
    mime_preserved: bool = True,
) -> Decision:
    """The verdict of one email from its DKIM results and the findings about it."""
    codes = {f.code for f in findings}
    dkim = [s for s in signatures if s.kind == "dkim"]
    extra: list[Finding] = []
    if not mime_preserved:
        if dkim:
            extra.append(
                Finding(
                    "dkim-not-checkable",
                    "info",
                    f"The message carries {len(dkim)} DKIM signature(s) but this format (Outlook "
                    ".msg/PST) no longer holds the original MIME bytes, so they cannot be checked. "
                    "This is not evidence of alteration.",
                )
            )
        if malformed:
            return Decision("malformed", 0.8, tuple(extra))
        return Decision("unverified", 0.5, tuple(extra))

    passing = [s for s in dkim if s.result == "pass" and s.key_source != "recovered"]
    aligned_pass = [s for s in passing if aligned(s.domain, from_domain)]
    full = [s for s in aligned_pass if covers_whole_body(s)]
    # The DKIM module explains each signature (dkim-fail-body, dkim-body-length-limit,
    # dkim-multiple-from, ...); these rules only choose among them.
    if full and from_count <= 1:
        weak = "dkim-weak-key" in codes or full[0].algorithm.endswith("sha1")
        return Decision("authentic", 0.8 if weak else 0.99, tuple(extra))
    if any(not covers_whole_body(s) for s in aligned_pass) and from_count <= 1:
        return Decision("altered", 0.9, tuple(extra))
    if malformed:
        return Decision("malformed", 0.8, tuple(extra))
    failed = [s for s in dkim if s.result in FAILED]
    if failed and "dkim-possible-mbox-artefact" not in codes:
        return Decision("altered", 0.9, tuple(extra))
    if passing and not aligned_pass and from_count <= 1:
        sig = passing[0]
        extra.append(
            Finding(
                "dkim-not-aligned",
                "medium",
                f"The only valid signature is by {sig.domain}, which is not the From domain "
                f"{from_domain or '(none)'}: it proves the message passed through {sig.domain}, not "
                "that the sender's domain sent it.",
            )
        )
    return Decision("unverified", 0.5, tuple(extra))


def decide_attachment(parent_verdict: str, parent_path: str) -> Decision:
    """An attachment is proven only by its parent's signature over the whole body."""
    if parent_verdict == "authentic":
        return Decision(
            "authentic",
            0.99,
            (
                Finding(
                    "covered-by-parent-signature",
                    "info",
                    "The attachment is covered by the DKIM body hash of the authentic email that "
                    "carries it.",
                    related_path=parent_path,
                ),
            ),
        )
    return Decision("unverified", 0.5)


def decide_file(findings: list[Finding], has_data: bool) -> Decision:
    """Loose files and archive members: nothing proves them; damage makes them malformed."""
    unreadable = {"ingest-encrypted-member", "ingest-missing-extra"}
    if not has_data and any(f.code not in unreadable for f in findings if f.severity != "info"):
        return Decision("malformed", 0.8)
    return Decision("unverified", 0.5)


# -- combining the evidence of the whole dump -------------------------------------------------
# Weights say how strongly a finding points to a verdict; a heuristic verdict needs the weights
# of its findings to reach 1.0, from at least two different detectors for `forged` (one odd
# header is a habit change, several are a different machine). Documented in docs/verdicts.md.
FORGED_WEIGHTS: dict[str, float] = {
    "header-missing-usual-signature": 0.7,
    "header-staff-signed-elsewhere": 0.5,
    "header-received-order": 0.5,
    "header-date-after-relay": 0.4,
    "header-unusual-message-id": 0.4,
    "header-unusual-mailer": 0.35,
    "header-unusual-timezone": 0.35,
    "header-unusual-relay": 0.25,
    "header-date-long-before-relay": 0.15,
    "thread-reply-before-original": 0.5,
    "thread-quote-mismatch": 0.5,
    "thread-missing-parent": 0.15,
}
PLANTED_WEIGHTS: dict[str, float] = {
    "structure-planted-folder": 1.0,
    "docmeta-created-after-dump": 0.5,
    "docmeta-foreign-script": 0.4,
    "structure-disconnected-folder": 0.3,
    "docmeta-unknown-person": 0.2,
    "docmeta-foreign-language": 0.2,
    "docmeta-rare-tool": 0.1,
}
ALTERED_CODES = frozenset(
    {
        "neardup-altered-copy",
        "dkim-inconsistent-with-recovered-key",
        "docmeta-modified-after-sent",
    }
)
DECOY_CODES = frozenset({"decoy-exact", "decoy-similar", "decoy-canary", "decoy-in-attachment"})
PROOF_CODES = frozenset({"dkim-recovered-key-archived"})
_SEVERITY_WEIGHT = {"info": 0.0, "low": 0.5, "medium": 1.0, "high": 1.0}


def _weight(findings: list[Finding], table: dict[str, float]) -> tuple[float, set[str]]:
    total, codes = 0.0, set()
    for finding in findings:
        if finding.code in table and finding.code not in codes:
            total += table[finding.code] * _SEVERITY_WEIGHT[finding.severity]
            codes.add(finding.code)
    return total, codes


def combine(
    item_verdict: str, item_confidence: float, kind: str, findings: list[Finding]
) -> Decision:
    """The final verdict of an item from its own verdict and every finding of the dump."""
    codes = {f.code for f in findings}
    if codes & DECOY_CODES:
        confidence = 0.95 if codes & {"decoy-exact", "decoy-canary"} else 0.8
        return Decision("decoy", confidence)
    if item_verdict == "unverified" and codes & PROOF_CODES:
        return Decision("authentic", 0.95)
    if item_verdict in ("authentic", "altered", "malformed"):
        return Decision(item_verdict, item_confidence)  # cryptographic proof beats heuristics
    if codes & ALTERED_CODES:
        return Decision("altered", 0.85 if "neardup-altered-copy" in codes else 0.7)
    if kind != "email":
        planted, _ = _weight(findings, PLANTED_WEIGHTS)
        if planted >= 1.0:
            return Decision("planted", min(0.95, 0.5 + planted / 4))
    forged, forged_codes = _weight(findings, FORGED_WEIGHTS)
    if kind == "email" and forged >= 1.0 and len(forged_codes) >= 2:
        return Decision("forged", min(0.95, 0.45 + forged / 4))
    return Decision(item_verdict, item_confidence)
