"""Plain data shared by every stage: what ingest yields, what analysis returns.

These dataclasses are the seams between ingest -> analyse -> store -> present. They hold no
behaviour beyond conversion to the export contract, so they pickle cheaply to worker
processes and Dask workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

Severity = Literal["info", "low", "medium", "high"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3}

Verdict = Literal["authentic", "unverified", "altered", "forged", "planted", "decoy", "malformed"]
VERDICTS: tuple[str, ...] = (
    "authentic", "unverified", "altered", "forged", "planted", "decoy", "malformed",
)

ItemKind = Literal["email", "attachment", "document", "other"]

# Contract values of `dkim[].result` in the export.
SignatureOutcome = Literal["pass", "fail-body", "fail-signature", "no-key", "invalid", "unsupported"]


@dataclass(frozen=True, order=True)
class Finding:
    """One piece of evidence about an item, worded so a journalist can cite it."""

    code: str
    severity: Severity
    detail: str
    related_path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "detail": self.detail}
        if self.related_path is not None:
            out["related_path"] = self.related_path
        return out


@dataclass
class SignatureResult:
    """The outcome of checking one DKIM-Signature (or one ARC set) of a message."""

    domain: str
    selector: str
    algorithm: str
    result: SignatureOutcome
    detail: str
    index: int = 0                      # position among the message's signatures of this kind
    kind: str = "dkim"                  # "dkim" | "arc"
    key_bits: int | None = None
    key_source: str | None = None       # "archive:<source>" | "dns" | "recovered" | None
    canonicalization: str = "simple/simple"
    signed_headers: list[str] = field(default_factory=list)
    body_length: int | None = None      # the l= tag, when present
    body_length_total: int | None = None  # canonical body length, to show what l= leaves out
    expired: bool = False               # x= in the past (reported, not a forgery for old mail)
    signed_at: str | None = None        # t= as ISO-8601 UTC
    bh_match: bool | None = None        # None when the body hash could not be computed

    def to_export(self) -> dict[str, Any]:
        """The fields fixed by the export contract."""
        return {
            "domain": self.domain,
            "selector": self.selector,
            "algorithm": self.algorithm,
            "result": self.result,
            "detail": self.detail,
        }

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, built by hand: asdict deep-copies field by field, which
        cost the scan's single writer more than the rows it writes."""
        out = {f.name: getattr(self, f.name) for f in _SIGNATURE_FIELDS}
        out["signed_headers"] = list(self.signed_headers)
        return out


_SIGNATURE_FIELDS = fields(SignatureResult)


@dataclass
class SourceItem:
    """One email or file found by ingest, with its exact bytes.

    `path` follows the item-path contract: relative to the DUMP argument, `!` into archives
    and mboxes (`box.mbox!3`, 1-based), `#<n>/<name>` for attachments.
    """

    path: str
    data: bytes
    container: str                      # eml | mbox | maildir | msg | pst | zip | file
    kind: ItemKind = "other"            # ingest's guess: "email" or "document"/"other"
    mbox_variant: str | None = None     # for mbox messages: "mboxo" | "mboxrd" | "unknown"
    mime_preserved: bool = True         # False for .msg/PST: no original MIME to check
    mailbox: str | None = None          # mailbox/folder the item sits in, for reports
    locator: dict[str, Any] = field(default_factory=dict)  # how to find the bytes again
    findings: list[Finding] = field(default_factory=list)  # ingest-level problems


@dataclass
class SourceFile:
    """A file on disk that ingest opened (read-only), recorded with its hash."""

    dump: str           # the DUMP argument, as given
    path: str           # relative to the dump
    size: int
    mtime: float
    sha256: str | None  # None until read completely


@dataclass
class KeySample:
    """One RSA signature whose key is unknown, kept for key recovery (see leak/keyrecovery.py)."""

    domain: str
    selector: str
    algorithm: str
    signature: bytes
    digest: bytes
    body_hash_ok: bool | None


@dataclass
class ItemRecord:
    """Everything the per-item analysis learnt about one item, ready to be stored.

    Produced by a worker (a pure function of the item's bytes and read-only context);
    only the driver writes it to the case.
    """

    path: str
    sha256: str
    kind: ItemKind
    size: int
    container: str
    verdict: str = "unverified"
    confidence: float = 0.0
    mailbox: str | None = None
    parent_path: str | None = None
    locator: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    date: str | None = None
    date_utc: str | None = None
    from_addr: str | None = None
    from_name: str | None = None
    to_addrs: list[str] = field(default_factory=list)
    subject: str | None = None
    body_text: str | None = None
    content_type: str | None = None
    filename: str | None = None
    signatures: list[SignatureResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    key_samples: list[KeySample] = field(default_factory=list)
    children: list[ItemRecord] = field(default_factory=list)
    analysis_key: str = ""
    header_facts: dict[str, Any] | None = None
    in_reply_to: str | None = None
    thread_refs: list[str] = field(default_factory=list)
    sensitivity: dict[str, Any] | None = None      # {level, categories, spans}
    secrets: list[dict[str, Any]] = field(default_factory=list)  # {kind, secret_sha256, start, end}
    doc_meta: dict[str, Any] | None = None
    minhash: bytes | None = None
