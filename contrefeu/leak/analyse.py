"""Per-item analysis: a pure function of an item's bytes and read-only context.

It runs in worker processes or on Dask workers, so it takes and returns plain picklable data
and never touches the case database. Attachments are analysed with their email, in the same
call, because their verdict depends on the email's signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from contrefeu.leak.decoys import DecoySet
from contrefeu.leak.dkim import DkimReport, verify_message
from contrefeu.leak.headers import check_header_facts
from contrefeu.leak.keys import KeyResolver
from contrefeu.leak.mime import MAX_BODY_TEXT, ParsedEmail, parse_email
from contrefeu.leak.neardup import text_minhash
from contrefeu.leak.verdict import decide_attachment, decide_email, decide_file
from contrefeu.model import Finding, ItemRecord, KeySample, SignatureResult, SourceItem
from contrefeu.org import OrgProfile

_TEXT_TYPES = ("text/plain", "text/csv", "text/markdown")


@dataclass
class AnalysisContext:
    """Read-only context shared by every item of a scan (picklable)."""

    resolver: KeyResolver
    org: OrgProfile = field(default_factory=OrgProfile)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    decoys: DecoySet = field(default_factory=DecoySet)
    fingerprint: str = ""  # identifies keys and options, so a changed context re-analyses


def analysis_key(item: SourceItem, sha256: str, context: AnalysisContext) -> str:
    """What makes two analyses interchangeable: same bytes, read the same way, same context."""
    how = f"{item.container}:{item.mbox_variant or '-'}:{int(item.mime_preserved)}"
    return f"{sha256}:{how}:{context.fingerprint}"


def context_fingerprint(parts: Sequence[object]) -> str:
    text = json.dumps([str(p) for p in parts], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def analyse_batch(
    batch: list[tuple[SourceItem, str]], context: AnalysisContext
) -> list[ItemRecord]:
    """Analyse several items (with their precomputed SHA-256) in one worker call."""
    return [analyse_item(item, sha256, context) for item, sha256 in batch]


def analyse_item(item: SourceItem, sha256: str, context: AnalysisContext) -> ItemRecord:
    record = ItemRecord(
        path=item.path,
        sha256=sha256,
        kind=item.kind,
        size=len(item.data),
        container=item.container,
        mailbox=item.mailbox,
        locator=item.locator,
        findings=list(item.findings),
        analysis_key=analysis_key(item, sha256, context),
    )
    try:
        if item.kind == "email" and item.data:
            _analyse_email(item, record, context)
        else:
            _analyse_file(item, record, context)
    except Exception as exc:  # noqa: BLE001 - hostile input must never stop a scan
        record.findings.append(
            Finding(
                "analysis-error",
                "medium",
                f"The analysis of this item failed ({type(exc).__name__}: {exc}); it is kept "
                "unverified.",
            )
        )
        record.verdict, record.confidence = "unverified", 0.0
    return record


def _message_bytes(item: SourceItem) -> bytes:
    if item.container == "msg":
        from contrefeu.ingest.msg import rfc822_from_msg

        return rfc822_from_msg(item.data)
    return item.data


def _analyse_email(item: SourceItem, record: ItemRecord, context: AnalysisContext) -> None:
    raw = _message_bytes(item)
    parsed = parse_email(raw)
    _copy_headers(parsed, record)
    record.findings.extend(parsed.findings)
    record.findings.extend(check_header_facts(parsed.header_facts, parsed.date_utc))
    if item.mime_preserved:
        report = verify_message(
            raw, context.resolver, mbox_variant=item.mbox_variant, now=context.now
        )
    else:
        report = DkimReport(
            signatures=[], arc=[], arc_chain=None, unsigned_visible_headers=[], findings=[]
        )
        report.signatures = _unchecked_signatures(raw)
    record.signatures = report.signatures + report.arc
    record.findings.extend(report.findings)
    if item.mime_preserved:
        record.key_samples = _key_samples(raw, report, item.path)
    from_domain = parsed.from_addr.rpartition("@")[2].lower() if parsed.from_addr else None
    decision = decide_email(
        report.signatures,
        record.findings,
        from_domain=from_domain,
        from_count=parsed.from_count,
        malformed=parsed.malformed,
        mime_preserved=item.mime_preserved,
    )
    record.verdict, record.confidence = decision.verdict, decision.confidence
    record.findings.extend(decision.findings)
    record.minhash = text_minhash(record.body_text)
    if context.decoys:
        record.findings.extend(
            context.decoys.match(
                item.data, record.sha256, (record.body_text or "", record.subject or "")
            )
        )
    record.children = [_attachment_record(item, record, a, context) for a in parsed.attachments]


def _unchecked_signatures(raw: bytes) -> list[SignatureResult]:
    """DKIM-Signature headers of a message whose MIME is gone: listed, never checked."""
    from email.parser import BytesHeaderParser
    from email.policy import compat32

    from dkim.util import InvalidTagValueList, parse_tag_value

    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    results = []
    for index, value in enumerate(headers.get_all("DKIM-Signature") or []):
        try:
            tags = parse_tag_value(" ".join(str(value).split()).encode("utf-8", "replace"))
        except InvalidTagValueList:
            tags = {}

        def tag(name: bytes, tags: dict = tags) -> str:  # type: ignore[type-arg]
            return tags.get(name, b"").decode("ascii", "replace")

        results.append(
            SignatureResult(
                domain=tag(b"d"),
                selector=tag(b"s"),
                algorithm=tag(b"a"),
                result="unsupported",
                detail="Not checkable: the original MIME bytes of this message were not kept by "
                "the Outlook format it was read from.",
                index=index,
            )
        )
    return results


def _copy_headers(parsed: ParsedEmail, record: ItemRecord) -> None:
    record.message_id = parsed.message_id
    record.date, record.date_utc = parsed.date, parsed.date_utc
    record.from_addr, record.from_name = parsed.from_addr, parsed.from_name
    record.to_addrs = parsed.to_addrs
    record.subject = parsed.subject
    record.body_text = parsed.body_text
    record.content_type = parsed.content_type
    record.header_facts = parsed.header_facts.to_dict()
    record.in_reply_to = parsed.header_facts.in_reply_to
    record.thread_refs = parsed.header_facts.references


def _key_samples(raw: bytes, report: DkimReport, path: str) -> list[KeySample]:
    """Keep what key recovery needs from RSA signatures whose key is unknown."""
    missing = [
        s for s in report.signatures if s.result == "no-key" and s.algorithm.startswith("rsa")
    ]
    if not missing:
        return []
    from contrefeu.leak.keyrecovery import signature_samples

    wanted = {(s.domain.lower(), s.selector.lower()): s for s in missing}
    samples = []
    for sample in signature_samples(raw, path):
        sig = wanted.get((sample.domain.lower(), sample.selector.lower()))
        if sig is None:
            continue
        samples.append(
            KeySample(
                sample.domain.lower(),
                sample.selector.lower(),
                sample.algorithm,
                sample.signature,
                sample.digest,
                sig.bh_match,
            )
        )
    return samples


def _attachment_record(
    item: SourceItem,
    parent: ItemRecord,
    attachment,  # type: ignore[no-untyped-def]
    context: AnalysisContext,
) -> ItemRecord:
    path = f"{item.path}#{attachment.number}/{attachment.filename}"
    decision = decide_attachment(parent.verdict, parent.path)
    text = None
    if attachment.content_type in _TEXT_TYPES:
        text = attachment.data[: MAX_BODY_TEXT * 2].decode("utf-8", errors="replace")[
            :MAX_BODY_TEXT
        ]
    sha256 = hashlib.sha256(attachment.data).hexdigest()
    findings = list(attachment.findings) + list(decision.findings)
    if context.decoys:
        findings.extend(context.decoys.match(attachment.data, sha256, (text or "",)))
    return ItemRecord(
        path=path,
        sha256=sha256,
        kind="attachment",
        size=len(attachment.data),
        container="attachment",
        verdict=decision.verdict,
        confidence=decision.confidence,
        mailbox=parent.mailbox,
        parent_path=parent.path,
        locator={"parent": parent.path, "number": attachment.number},
        content_type=attachment.content_type,
        filename=attachment.filename,
        body_text=text,
        findings=findings,
        analysis_key=parent.analysis_key,
        minhash=text_minhash(text),
    )


def _sensitivity(record: ItemRecord, context: AnalysisContext) -> None:
    """Triage of the item's text: the level and categories, the spans, secrets as hashes."""
    from contrefeu.leak.triage import triage_text

    if not (record.body_text or record.subject or record.filename):
        return
    triage = triage_text(record.body_text or "", subject=record.subject,
                         filename=record.filename, org_domains=context.org.domains)
    record.sensitivity = triage.to_export() | {
        "spans": [asdict(span) for span in triage.spans]}
    record.secrets = [asdict(secret) for secret in triage.secrets]


def _analyse_file(item: SourceItem, record: ItemRecord, context: AnalysisContext) -> None:
    record.filename = item.path.rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    if item.data and item.path.lower().endswith((".txt", ".csv", ".md")):
        record.body_text = item.data[: MAX_BODY_TEXT * 2].decode("utf-8", errors="replace")[
            :MAX_BODY_TEXT
        ]
    decision = decide_file(record.findings, bool(item.data))
    record.verdict, record.confidence = decision.verdict, decision.confidence
    record.findings.extend(decision.findings)
    record.minhash = text_minhash(record.body_text)
    _sensitivity(record, context)
    if context.decoys and item.data:
        record.findings.extend(
            context.decoys.match(item.data, record.sha256, (record.body_text or "",))
        )
