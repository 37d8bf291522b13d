"""Check every DKIM signature (and the ARC chain) of one raw message, and explain the outcome.

`verify_message` is a pure function of the message bytes and a key resolver, so it runs
unchanged in worker processes. It never raises on hostile input: whatever cannot be parsed
becomes a result with a finding. It does not decide the item's verdict (authentic, altered...);
the verdict logic reads the `DkimReport` and its findings.

What it adds to dkimpy: every signature is checked, not only the first; a missing key is told
apart from a failure, a body change from a header change; weak keys and expired signatures are
reported instead of rejected; ``l=`` truncation shows the unsigned text; mbox ``>From``
quoting is undone when it explains a failure; headers inside the message that claim an
authentication result are never believed.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dkim import ValidationError, validate_signature_fields
from dkim.canonicalization import CanonicalizationPolicy, InvalidCanonicalizationPolicyError
from dkim.crypto import HASH_ALGORITHMS
from dkim.util import InvalidTagValueList, parse_tag_value

from contrefeu.leak import fastverify
from contrefeu.leak.arc import ARC_HEADER_NAMES, ArcOutcome, verify_arc
from contrefeu.leak.keys import KeyRecord, KeyResolver, lookup_all
from contrefeu.model import Finding, SignatureResult

# Header fields a mail client shows; a forger can add or change any of them that no valid
# signature covers.
VISIBLE_HEADERS = (
    "from", "to", "cc", "subject", "date", "reply-to", "sender", "message-id",
    "in-reply-to", "references",
)  # fmt: skip
# dkimpy's leeway for signers with wrong clocks (t= in the future, x= just past).
CLOCK_SLOP = 36000
APPENDED_TEXT_SHOWN = 500
MBOX_VARIANTS = ("mboxo", "mboxrd", "unknown")
_MBOXRD_QUOTED = re.compile(rb"(?m)^>(>*From )")
_MBOXO_QUOTED = re.compile(rb"(?m)^>(From )")
_AR_HEADERS = (b"authentication-results", b"arc-authentication-results")
_AR_DKIM = re.compile(rb"(?i)(?:^|;)\s*dkim\s*=\s*([a-z]+)([^;]*)")
_AR_DOMAIN = re.compile(rb"(?i)header\.[di]\s*=\s*\"?@?([^\s;\"]+)")


@dataclass
class DkimReport:
    """Everything DKIM and ARC say about one message."""

    signatures: list[SignatureResult]  # every DKIM-Signature, in header order (kind="dkim")
    arc: list[SignatureResult]  # one per ARC set (kind="arc")
    arc_chain: str | None  # "pass" | "fail" | "none" | None when no ARC headers
    unsigned_visible_headers: list[str]  # visible headers no passing signature covers
    findings: list[Finding]  # codes "dkim-..." / "arc-..." / "embedded-auth-results-ignored"
    mbox_unquoted: bool = False  # a signature passed only after undoing mbox >From quoting


@dataclass
class _Context:
    message: fastverify.ParsedMessage
    resolver: KeyResolver
    mbox_variant: str | None
    now: int
    findings: list[Finding] = field(default_factory=list)
    covered: set[int] = field(default_factory=set)  # indexes of headers a passing sig covers
    mbox_unquoted: bool = False


def verify_message(
    raw: bytes,
    resolver: KeyResolver,
    *,
    mbox_variant: str | None = None,
    now: datetime | None = None,
) -> DkimReport:
    """Verify every DKIM signature and the ARC chain of `raw` (the exact message bytes).

    `mbox_variant` ("mboxo", "mboxrd", "unknown") says the message was read from an mbox, so
    a body-hash failure may be the mbox's ``>From`` quoting. `now` (default: the current UTC
    time) is the reference for ``x=`` expiry and ``t=`` in the future.
    """
    when = int((now or datetime.now(UTC)).timestamp())
    try:
        return _verify(raw, resolver, mbox_variant, when)
    except Exception as exc:  # hostile input must never stop a scan
        detail = (
            f"The message could not be checked for DKIM signatures: {type(exc).__name__}: "
            f"{_clip(str(exc), 200)}."
        )
        return DkimReport([], [], None, [], [Finding("dkim-unparsable", "medium", detail)])


def _verify(raw: bytes, resolver: KeyResolver, mbox_variant: str | None, now: int) -> DkimReport:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("the message must be bytes")
    raw = bytes(raw)
    try:
        message = fastverify.ParsedMessage.parse(raw)
    except Exception as exc:
        detail = (
            "The message header cannot be parsed for DKIM "
            f"({_clip(str(exc), 200)}); no signature could be checked."
        )
        return DkimReport([], [], None, [], [Finding("dkim-unparsable", "medium", detail)])
    ctx = _Context(message, resolver, mbox_variant, now)
    sig_headers = [
        (i, h) for i, h in enumerate(message.headers) if h[0].lower() == b"dkim-signature"
    ]
    results = [_check_signature(ctx, n, i, h) for n, (i, h) in enumerate(sig_headers)]
    if not sig_headers:
        ctx.findings.append(
            Finding("dkim-unsigned", "info", "The message carries no DKIM-Signature header.")
        )
    froms = [h for h in message.headers if h[0].lower() == b"from"]
    if len(froms) > 1:
        ctx.findings.append(
            Finding(
                "dkim-multiple-from",
                "high",
                f"The message has {len(froms)} From header fields; a mail client may show "
                "one that no signature covers (a classic way to pass off a forged sender).",
            )
        )
    unsigned = _unsigned_visible(message.headers, ctx.covered)
    if unsigned and any(r.result == "pass" for r in results):
        high = "from" in unsigned
        ctx.findings.append(
            Finding(
                "dkim-unsigned-visible-headers",
                "high" if high else "medium",
                "These visible header fields are covered by no valid signature and could "
                f"have been added or changed by anyone: {', '.join(unsigned)}.",
            )
        )
    # Only messages with ARC headers pay for dkimpy's ARC parse.
    if any(h[0].lower() in ARC_HEADER_NAMES for h in message.headers):
        arc = verify_arc(raw, resolver)
    else:
        arc = ArcOutcome(None)
    ctx.findings.extend(arc.findings)
    ctx.findings.extend(_embedded_claims(message.headers, results))
    return DkimReport(
        signatures=results,
        arc=arc.sets,
        arc_chain=arc.chain,
        unsigned_visible_headers=unsigned,
        findings=list(dict.fromkeys(ctx.findings)),
        mbox_unquoted=ctx.mbox_unquoted,
    )


# -- one signature ---------------------------------------------------------------------------
def _check_signature(ctx: _Context, n: int, pos: int, header: list[bytes]) -> SignatureResult:
    sig_header = (header[0], header[1])
    res = SignatureResult(domain="", selector="", algorithm="", result="invalid", detail="")
    res.index = n
    try:
        sig = parse_tag_value(header[1])
    except InvalidTagValueList as exc:
        return _invalid(ctx, res, f"its tag list cannot be parsed ({_clip(str(exc), 120)})")
    res.domain = _text(sig.get(b"d", b"")).lower()
    res.selector = _text(sig.get(b"s", b""))
    res.algorithm = _text(sig.get(b"a", b""))
    res.canonicalization = _text(sig.get(b"c", b"simple/simple"))
    res.signed_headers = [_text(h).strip().lower() for h in sig.get(b"h", b"").split(b":") if h]
    who = _who(res)
    if b"a" in sig and sig[b"a"] not in HASH_ALGORITHMS:
        res.result = "unsupported"
        res.detail = (
            f"The signature {who} uses the algorithm {res.algorithm}, which DKIM verifiers "
            "do not support; it can be neither confirmed nor refuted."
        )
        ctx.findings.append(Finding("dkim-unsupported", "low", res.detail))
        return res
    # x= and t= are checked below against `now`, not the wall clock as dkimpy does.
    try:
        validate_signature_fields({k: v for k, v in sig.items() if k not in (b"x", b"t")})
    except ValidationError as exc:
        return _invalid(ctx, res, _clip(str(exc), 160))
    problem = _check_times(ctx, res, sig)
    if problem:
        return _invalid(ctx, res, problem)
    try:
        policy = CanonicalizationPolicy.from_c_value(sig.get(b"c", b"simple/simple"))
    except InvalidCanonicalizationPolicyError:
        return _invalid(ctx, res, f"its canonicalisation c={res.canonicalization} is unknown")
    if b"c" not in sig:
        res.canonicalization = "simple/simple"
    elif b"/" not in sig[b"c"]:
        res.canonicalization += "/simple"
    include = [x.lower() for x in re.split(rb"\s*:\s*", sig[b"h"])]
    try:
        expected_bh = base64.b64decode(re.sub(rb"\s+", b"", sig[b"bh"]))
    except (binascii.Error, ValueError):
        return _invalid(ctx, res, "its body hash bh= is not valid base64")
    hash_name = sig[b"a"].split(b"-")[-1].decode()
    if hash_name == "sha1":
        ctx.findings.append(
            Finding(
                "dkim-sha1",
                "low",
                f"The signature {who} uses SHA-1, a weak hash that is no longer accepted for "
                "new mail; normal for older messages.",
            )
        )
    body = ctx.message.body_for(policy.body_algorithm)
    res.body_length_total = len(body)
    if b"l" in sig:
        res.body_length = int(sig[b"l"])
    bh_match = _body_hash(body, res.body_length, sig[b"a"]) == expected_bh
    unquoted_match = False
    if not bh_match and ctx.mbox_variant:
        alt = _mbox_unquote(ctx.message.body, ctx.mbox_variant)
        if alt is not None:
            alt_body = ctx.message.body_for(policy.body_algorithm, alt)
            if _body_hash(alt_body, res.body_length, sig[b"a"]) == expected_bh:
                unquoted_match, body = True, alt_body
                res.body_length_total = len(alt_body)
    res.bh_match = bh_match or unquoted_match

    records = lookup_all(ctx.resolver, res.domain, res.selector)
    if not records:
        res.result = "no-key"
        state = "matches" if res.bh_match else "does NOT match"
        res.detail = (
            f"No public key is known for the signature {who} (DNS name "
            f"{res.selector}._domainkey.{res.domain}), so it can be neither confirmed nor "
            f"refuted; the body hash {state} the value in the signature."
        )
        ctx.findings.append(Finding("dkim-no-key", "medium", res.detail))
        return res
    outcome = _verify_with_keys(ctx, res, sig, include, sig_header, policy, records)
    if outcome is None:
        return res  # invalid key or signature; already explained
    headers_ok, record, key = outcome
    res.key_source = record.source
    res.key_bits = key.bits
    _key_findings(ctx, res, key)
    if not res.bh_match:
        res.result = "fail-body"
        headers = (
            "The header signature itself is valid, so the signed header fields are genuine."
            if headers_ok
            else "The header signature does not verify either."
        )
        res.detail = (
            f"The body of the message was changed after {res.domain} signed it (selector "
            f"{res.selector}): the body hash does not match bh=. {headers}"
        )
        if ctx.mbox_variant and _mbox_quoted_lines(ctx.message.body):
            ctx.findings.append(
                Finding(
                    "dkim-possible-mbox-artefact",
                    "medium",
                    f"The body hash of the signature {who} fails, and the body has lines "
                    "starting with '>From ' that the mbox format adds: a possible mbox artefact "
                    "rather than an alteration.",
                )
            )
        else:
            ctx.findings.append(Finding("dkim-fail-body", "high", res.detail))
        return res
    if not headers_ok:
        res.result = "fail-signature"
        res.detail = (
            f"The body is intact but the header signature of {res.domain} (selector "
            f"{res.selector}) does not verify: one of the signed header fields "
            f"({', '.join(dict.fromkeys(res.signed_headers))}) was changed, added or removed."
        )
        ctx.findings.append(Finding("dkim-fail-signature", "high", res.detail))
        return res
    res.result = "pass"
    for idx in _covered_indexes(ctx.message.headers, include):
        ctx.covered.add(idx)
    res.detail = (
        f"Valid signature of {res.domain} (selector {res.selector}, {res.algorithm}, "
        f"{res.key_bits}-bit key from {record.source}) over the body and the header fields "
        f"{', '.join(dict.fromkeys(res.signed_headers))}."
    )
    if unquoted_match:
        ctx.mbox_unquoted = True
        ctx.findings.append(
            Finding(
                "dkim-mbox-unquoted",
                "info",
                f"The signature {who} verifies once the '>From ' quoting added by the mbox "
                "file is undone; the message itself is unchanged.",
            )
        )
    _length_findings(ctx, res, body)
    return res


def _verify_with_keys(
    ctx: _Context,
    res: SignatureResult,
    sig: dict[bytes, bytes],
    include: list[bytes],
    sig_header: tuple[bytes, bytes],
    policy: CanonicalizationPolicy,
    records: list[KeyRecord],
) -> tuple[bool, KeyRecord, fastverify.ParsedKey] | None:
    """Try each candidate key; the first that verifies wins, else the first usable one."""
    first: tuple[bool, KeyRecord, fastverify.ParsedKey] | None = None
    problem: tuple[KeyRecord, fastverify.ParsedKey] | None = None
    crash: str | None = None
    for record in records:
        key = fastverify.parse_key(record.name, record.txt)
        if key.ktag is None or key.tlsrpt_only:
            problem = problem or (record, key)
            continue
        try:
            ok = fastverify.verify_header_signature(
                ctx.message, sig, include, sig_header, policy, key
            )
        except fastverify.DigestTooLarge as exc:
            problem = problem or (record, fastverify.ParsedKey(None, key.bits, problem=str(exc)))
            continue
        except Exception as exc:  # malformed b= for this key type, odd numbers...
            crash = crash or f"{type(exc).__name__}: {_clip(str(exc), 120)}"
            continue
        if ok:
            return True, record, key
        if first is None:
            first = (False, record, key)
    if first is not None:
        _, record, key = first
        expected = b"ed25519" if sig[b"a"].startswith(b"ed25519") else b"rsa"
        if key.ktag != expected:
            res.key_source, res.key_bits = record.source, key.bits
            _invalid(
                ctx,
                res,
                f"its algorithm {res.algorithm} does not match the {(key.ktag or b'?').decode()} key "
                f"published for {record.name}",
            )
            return None
        return first
    res.key_source = (problem[0] if problem else records[0]).source
    if problem is not None:
        record, key = problem
        res.key_bits = key.bits
        if key.tlsrpt_only and key.ktag is not None:
            why = f"the key {record.name} is for TLS reports only (s=tlsrpt)"
        else:
            why = f"the key {record.name} cannot be used: {key.problem}"
        if key.problem_kind == "unsupported":
            res.result = "unsupported"
            res.detail = f"The signature {_who(res)} cannot be checked: {why}."
            ctx.findings.append(Finding("dkim-unsupported", "low", res.detail))
            return None
        if key.problem_kind == "revoked":
            why = f"the key {record.name} was revoked by its owner (empty p=)"
        _invalid(ctx, res, why)
        return None
    _invalid(ctx, res, f"its signature value cannot be checked ({crash})")
    return None


def _check_times(ctx: _Context, res: SignatureResult, sig: dict[bytes, bytes]) -> str | None:
    t_sign = None
    if b"t" in sig:
        if not re.fullmatch(rb"\d+", sig[b"t"]):
            return "its timestamp t= is not a decimal integer"
        t_sign = int(sig[b"t"])
        try:
            res.signed_at = datetime.fromtimestamp(t_sign, UTC).isoformat()
        except (OverflowError, ValueError, OSError):
            return "its timestamp t= is out of range"
        if t_sign > ctx.now + CLOCK_SLOP:
            return f"its timestamp t= ({res.signed_at}) is in the future"
    if b"x" in sig:
        if not re.fullmatch(rb"\d+", sig[b"x"]):
            return "its expiry x= is not a decimal integer"
        x_sign = int(sig[b"x"])
        if t_sign is not None and x_sign < t_sign:
            return "its expiry x= is earlier than its timestamp t="
        if x_sign < ctx.now - CLOCK_SLOP:
            res.expired = True
            try:
                when = datetime.fromtimestamp(x_sign, UTC).date().isoformat()
            except (OverflowError, ValueError, OSError):
                when = str(x_sign)
            ctx.findings.append(
                Finding(
                    "dkim-expired",
                    "info",
                    f"The signature {_who(res)} expired on {when} (x= tag); this is expected "
                    "for old mail and is not a sign of forgery.",
                )
            )
    return None


def _key_findings(ctx: _Context, res: SignatureResult, key: fastverify.ParsedKey) -> None:
    if key.ktag == b"rsa" and key.bits is not None and key.bits < 1024:
        ctx.findings.append(
            Finding(
                "dkim-weak-key",
                "high",
                f"The key of {res.domain} (selector {res.selector}) is only {key.bits} bits: "
                "such RSA keys can be factored, so anyone may have forged this signature.",
            )
        )


def _length_findings(ctx: _Context, res: SignatureResult, body: bytes) -> None:
    if res.body_length is None:
        return
    if res.body_length < len(body):
        extra = body[res.body_length :].decode("utf-8", "replace").strip()
        shown = _clip(extra, APPENDED_TEXT_SHOWN)
        ctx.findings.append(
            Finding(
                "dkim-body-length-limit",
                "high",
                f"The signature of {res.domain} (selector {res.selector}) covers only the "
                f"first {res.body_length} of {len(body)} bytes of the body (l= tag); the rest "
                f"was not signed and may have been appended by anyone: {shown!r}",
            )
        )
    else:
        ctx.findings.append(
            Finding(
                "dkim-body-length-tag",
                "info",
                f"The signature of {res.domain} uses l= but covers the whole body.",
            )
        )


def _invalid(ctx: _Context, res: SignatureResult, why: str) -> SignatureResult:
    res.result = "invalid"
    res.detail = f"The DKIM signature {_who(res)} is invalid: {why}."
    ctx.findings.append(Finding("dkim-invalid", "medium", res.detail))
    return res


# -- helpers ---------------------------------------------------------------------------------
def _body_hash(body: bytes, length: int | None, algorithm: bytes) -> bytes:
    data = body if length is None else body[:length]
    return HASH_ALGORITHMS[algorithm](data).digest()


def _mbox_unquote(body: bytes, variant: str) -> bytes | None:
    pattern = _MBOXO_QUOTED if variant == "mboxo" else _MBOXRD_QUOTED
    out = pattern.sub(rb"\1", body)
    return out if out != body else None


def _mbox_quoted_lines(body: bytes) -> bool:
    return _MBOXRD_QUOTED.search(body) is not None


def _covered_indexes(headers: list[list[bytes]], include: list[bytes]) -> list[int]:
    """Positions of the headers a signature selects: dkimpy's select_headers, by index."""
    chosen: list[int] = []
    last: dict[bytes, int] = {}
    names = [h[0].lower() for h in headers]
    wanted = list(include) + ([b"from"] if b"from" in include else [])
    for name in wanted:
        i = last.get(name, len(headers))
        while i > 0:
            i -= 1
            if names[i] == name:
                chosen.append(i)
                break
        last[name] = i
    return chosen


def _unsigned_visible(headers: list[list[bytes]], covered: set[int]) -> list[str]:
    out: list[str] = []
    for i, h in enumerate(headers):
        name = h[0].lower().decode("ascii", "replace")
        if name in VISIBLE_HEADERS and i not in covered and name not in out:
            out.append(name)
    return out


def _embedded_claims(headers: list[list[bytes]], results: list[SignatureResult]) -> list[Finding]:
    """Compare what Authentication-Results headers inside the message claim with our results."""
    out: list[Finding] = []
    passed = {r.domain for r in results if r.result == "pass"}
    for name, value in headers:
        if name.lower() not in _AR_HEADERS:
            continue
        value = value[:20000]
        authserv = _text(value.split(b";", 1)[0].strip())[:80] or "an unnamed server"
        for m in _AR_DKIM.finditer(value):
            claim = m.group(1).decode("ascii", "replace").lower()
            dm = _AR_DOMAIN.search(m.group(2))
            domain = dm.group(1).decode("ascii", "replace").lower().lstrip("@") if dm else None
            if domain and "@" in domain:
                domain = domain.rsplit("@", 1)[1]
            ours = (domain in passed) if domain else bool(passed)
            if (claim == "pass") == ours:
                continue
            computed = "a valid signature" if ours else "no valid signature"
            target = f" for {domain}" if domain else ""
            out.append(
                Finding(
                    "embedded-auth-results-ignored",
                    "info",
                    f"An {_text(name)} header inside the message (written by {authserv}) "
                    f"claims dkim={claim}{target}, but recomputing the signatures gives "
                    f"{computed}{target}. Headers inside leaked mail can be written by "
                    "anyone, so they are ignored.",
                )
            )
    return out


def _who(res: SignatureResult) -> str:
    if res.domain or res.selector:
        return f"of {res.domain or '?'} (selector {res.selector or '?'})"
    return f"number {res.index + 1}"


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
