"""Per-item analysis: a pure function of an item's bytes and read-only context.

It runs in worker processes or on Dask workers, so it takes and returns plain picklable data
and never touches the case database. Attachments are analysed with their email, in the same
call, because their verdict depends on the email's signature.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from contrefeu.leak.decoys import DecoySet
from contrefeu.leak.dkim import DkimReport, verify_message
from contrefeu.leak.headers import check_header_facts
from contrefeu.leak.keys import KeyResolver
from contrefeu.leak.mime import MAX_BODY_TEXT, Attachment, ParsedEmail, parse_email
from contrefeu.leak.neardup import text_minhash
from contrefeu.leak.verdict import decide_attachment, decide_email, decide_file
from contrefeu.model import Finding, ItemRecord, KeySample, SignatureResult, SourceItem
from contrefeu.org import OrgProfile

# Formats with no text worth extracting (binary media, archives, mail handled elsewhere).
_NO_TEXT = frozenset({"image", "zip", "email", "unknown"})


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


def warm_up() -> None:
    """Load now what the analysis otherwise loads on first use (lazy imports, triage rules and
    tables, the public suffix list).

    The scan driver calls this before its local process pool forks, so every worker inherits
    these instead of building its own copy (about 0.3 s of CPU per worker, on a machine where
    the scan is CPU-bound). It changes no result: only when the work is done.
    """
    import contrefeu.leak.docformats
    import contrefeu.leak.docmeta
    import contrefeu.leak.doctext
    import contrefeu.leak.keyrecovery  # noqa: F401 - imported for its side effect only
    from contrefeu.leak.triage import triage_text
    from contrefeu.leak.verdict import organizational_domain

    organizational_domain("warm-up.example")
    sample = "Warm-up text: password hunter2, IBAN FR76 3000 6000 0112 3456 7890 189, 01 23 45 67 89"
    triage_text(sample, subject="warm-up", filename="warm-up.txt", org_domains=("example.org",))
    text_minhash(sample * 4)


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
    _sensitivity(record, context)
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
    item: SourceItem, parent: ItemRecord, attachment: Attachment, context: AnalysisContext
) -> ItemRecord:
    decision = decide_attachment(parent.verdict, parent.path)
    record = ItemRecord(
        path=f"{item.path}#{attachment.number}/{attachment.filename}",
        sha256=hashlib.sha256(attachment.data).hexdigest(), kind="attachment",
        size=len(attachment.data), container="attachment", verdict=decision.verdict,
        confidence=decision.confidence, mailbox=parent.mailbox, parent_path=parent.path,
        locator={"parent": parent.path, "number": attachment.number},
        content_type=attachment.content_type, filename=attachment.filename,
        findings=list(attachment.findings) + list(decision.findings),
        analysis_key=parent.analysis_key,
    )
    _analyse_content(record, attachment.data, context)
    return record


def _analyse_file(item: SourceItem, record: ItemRecord, context: AnalysisContext) -> None:
    record.filename = item.path.rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    decision = decide_file(record.findings, bool(item.data))
    record.verdict, record.confidence = decision.verdict, decision.confidence
    record.findings.extend(decision.findings)
    if item.data:
        _analyse_content(record, item.data, context)


def _analyse_content(record: ItemRecord, data: bytes, context: AnalysisContext) -> None:
    """What a file says and who made it: text, metadata, near-duplicate signature, triage,
    decoys. Never runs or renders the file."""
    from contrefeu.leak.docformats import sniff_format
    from contrefeu.leak.docmeta import extract_metadata
    from contrefeu.leak.doctext import extract_text

    seen = {f.code for f in record.findings}

    def add(findings: list[Finding]) -> None:
        for finding in findings:
            if finding.code not in seen:
                seen.add(finding.code)
                record.findings.append(finding)

    fmt = sniff_format(data, record.filename)
    record.content_type = record.content_type or fmt
    if fmt not in _NO_TEXT:
        extracted = extract_text(data, record.filename, max_chars=MAX_BODY_TEXT)
        record.body_text = extracted.text or None
        add(extracted.findings)
    meta = extract_metadata(data, record.filename)
    if meta is not None:
        record.doc_meta = meta.to_dict()
        add(meta.findings)
    record.minhash = text_minhash(record.body_text)
    _sensitivity(record, context)
    if context.decoys:
        texts = (record.body_text or "",) + _meta_texts(record.doc_meta)
        add(context.decoys.match(data, record.sha256, texts, text=record.body_text))


def _meta_texts(meta: dict[str, Any] | None) -> tuple[str, ...]:
    if not meta:
        return ()
    values = [v for v in meta.values() if isinstance(v, str)]
    values += [v for v in (meta.get("raw") or {}).values() if isinstance(v, str)]
    return tuple(values)


def _sensitivity(record: ItemRecord, context: AnalysisContext) -> None:
    """Triage of the item's text: the level and categories, the spans, secrets as hashes."""
    from contrefeu.leak.triage import triage_text

    if not (record.body_text or record.subject or record.filename):
        return
    triage = triage_text(
        record.body_text or "",
        subject=record.subject,
        filename=record.filename,
        org_domains=context.org.domains,
    )
    # `to_dict`, not `dataclasses.asdict`: the same dicts at a tenth of the cost.
    record.sensitivity = triage.to_export() | {"spans": [span.to_dict() for span in triage.spans]}
    record.secrets = [secret.to_dict() for secret in triage.secrets]
