"""Recover a DKIM RSA public key from the signatures it made.

Old DKIM keys are rotated out of DNS, and many never reached a public archive. When a leak
holds two or more RSA signatures by the same (domain, selector), the public modulus can still
be computed from the messages alone: an RSA signature s over a message with encoded digest
EM satisfies s^e = EM (mod n), so n divides s^e - EM for every signature, and the gcd of two
such numbers is n times a small cofactor.

This module extracts what recovery needs from raw messages (`signature_samples`, with the header
digest computed by dkimpy's own verification code) and computes keys (`recover_key` for one
selector, `recover_keys` for a whole dump). It is not a verifier and it does not judge messages:
a recovered key shows only that the signatures were made with one key, not whose key it is.
ARC signatures and Ed25519 keys (which cannot be recovered this way) are out of scope.

Cost: the gcd runs on numbers of about e * 8k bits (k = signature length in bytes), some 67
million bits for a 1024-bit key with e = 65537. That one gmpy2 call dominates (tens of seconds
per key on one core), so callers should run recovery as a separate step, with `progress`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from typing import Any

import dkim
import gmpy2
from dkim.canonicalization import CanonicalizationPolicy
from dkim.crypto import HASH_ALGORITHMS, EMSA_PKCS1_v1_5_encode
from dkim.util import parse_tag_value

Progress = Callable[[str, float], None]

# Signature algorithm -> hash name (as dkimpy's EMSA encoder names it) and digest size.
RSA_ALGORITHMS: dict[str, tuple[str, int]] = {
    "rsa-sha256": ("sha256", 32),
    "rsa-sha1": ("sha1", 20),
}

# 512- to 4096-bit keys. The bound also caps the work a hostile b= value can cause: the numbers
# handled grow with e * signature length.
MIN_SIGNATURE_BYTES = 64
MAX_SIGNATURE_BYTES = 512

# The gcd is n times a cofactor; the cofactor's prime factors below this bound are removed.
SMALL_FACTOR_BOUND = 10**6

# Rough cost of one big gcd relative to one s^e, for progress fractions (measured with gmpy2).
_GCD_WEIGHT = 25.0


@dataclass(frozen=True)
class SignatureSample:
    """What key recovery needs from one RSA DKIM signature."""

    domain: str
    selector: str
    algorithm: str  # rsa-sha256 | rsa-sha1
    signature: bytes  # b= decoded
    digest: bytes  # hash of the canonicalised signed header data (what RSA signs)
    item_path: str  # for the report


@dataclass(frozen=True)
class RecoveredKey:
    """An RSA public key computed from signatures found in the dump."""

    domain: str
    selector: str
    modulus: int
    exponent: int
    bits: int
    from_items: tuple[str, ...]  # the item paths whose signatures the key explains

    def dns_name(self) -> str:
        """Where the key would have been published: `<selector>._domainkey.<domain>`."""
        return f"{self.selector}._domainkey.{self.domain}"

    def txt_record(self) -> str:
        """The DKIM key record, as it would have stood in DNS."""
        from cryptography.hazmat.primitives.asymmetric import rsa

        from contrefeu.leak.keys import txt_record_for

        return txt_record_for(rsa.RSAPublicNumbers(self.exponent, self.modulus).public_key())

    def archive_entry(self) -> dict[str, Any]:
        """One entry of the key-archive list format (`{name, txt, source}`)."""
        return {
            "name": self.dns_name(),
            "txt": self.txt_record(),
            "source": f"recovered from {len(self.from_items)} signed messages in the dump",
        }


# --- samples from raw messages ---------------------------------------------------------------


def signature_samples(raw: bytes, item_path: str) -> list[SignatureSample]:
    """Every RSA DKIM-Signature of `raw`, with the header digest a verifier would compute.

    The digest is what dkimpy's `DKIM.verify` feeds to RSA for that signature: its
    canonicalisation policy, its header selection (including its extra `from` for bug 644046)
    and `hash_headers` with the b= value emptied. Signatures that cannot be parsed are skipped;
    this never raises on hostile input.
    """
    try:
        headers, _body = dkim.rfc822_parse(raw)
    except Exception:  # hostile input: dkimpy raises assorted errors (IndexError included)
        return []
    samples = []
    for header in headers:
        if header[0].lower() != b"dkim-signature":
            continue
        try:
            sample = _sample_from(headers, (header[0], header[1]), item_path)
        except Exception:  # a malformed signature is skipped, the others still count
            sample = None
        if sample is not None:
            samples.append(sample)
    return samples


def _sample_from(
    headers: list[list[bytes]], sig_header: tuple[bytes, bytes], item_path: str
) -> SignatureSample | None:
    sig = parse_tag_value(sig_header[1])
    algorithm = sig.get(b"a", b"").decode("ascii", "replace").strip().lower()
    if algorithm not in RSA_ALGORITHMS or not all(t in sig for t in (b"b", b"d", b"s", b"h")):
        return None
    signature = base64.b64decode(re.sub(rb"\s+", b"", sig[b"b"]), validate=True)
    if not signature:
        return None
    policy = CanonicalizationPolicy.from_c_value(sig.get(b"c", b"simple/simple"))
    # Mirrors DomainSigner.verify_headerprep and verify_sig_process, step for step.
    include_headers = [x.lower() for x in re.split(rb"\s*:\s*", sig[b"h"])]
    if b"from" in include_headers:
        include_headers.append(b"from")
    hasher = HASH_ALGORITHMS[algorithm.encode()]()
    dkim.hash_headers(
        hasher, policy, policy.canonicalize_headers(headers), include_headers, sig_header, sig
    )
    return SignatureSample(
        domain=_tag_text(sig[b"d"]),
        selector=_tag_text(sig[b"s"]),
        algorithm=algorithm,
        signature=signature,
        digest=hasher.digest(),
        item_path=item_path,
    )


def _tag_text(value: bytes) -> str:
    # DNS names are case-insensitive; folding whitespace may sit inside a tag value.
    return re.sub(r"\s+", "", value.decode("utf-8", "replace")).lower().rstrip(".")


# --- the arithmetic --------------------------------------------------------------------------


class _NamedDigest:
    """The two attributes dkimpy's EMSA encoder reads from a hashlib object."""

    def __init__(self, name: str, digest: bytes) -> None:
        self.name = name
        self._digest = digest

    def digest(self) -> bytes:
        return self._digest


@dataclass(frozen=True)
class _Point:
    sample: SignatureSample
    s: Any  # gmpy2.mpz
    m: Any  # gmpy2.mpz: the EMSA-PKCS1-v1_5 encoding of the digest, k bytes long


def _point(sample: SignatureSample) -> _Point | None:
    """The sample as numbers, or None when it cannot come from an RSA key we can recover."""
    spec = RSA_ALGORITHMS.get(sample.algorithm)
    k = len(sample.signature)
    if spec is None or len(sample.digest) != spec[1]:
        return None
    if not MIN_SIGNATURE_BYTES <= k <= MAX_SIGNATURE_BYTES:
        return None
    encoded = EMSA_PKCS1_v1_5_encode(_NamedDigest(spec[0], sample.digest), k)
    s = gmpy2.mpz(int.from_bytes(sample.signature, "big"))
    if s < 2:
        return None
    return _Point(sample, s, gmpy2.mpz(int.from_bytes(encoded, "big")))


@lru_cache(maxsize=1)
def _small_primorial() -> Any:
    return gmpy2.primorial(SMALL_FACTOR_BOUND)


def _strip_small_factors(g: Any) -> Any:
    """Divide out every prime factor below SMALL_FACTOR_BOUND (an RSA modulus has none)."""
    primorial = _small_primorial()
    while g > 1:
        common = gmpy2.gcd(g, primorial % g)
        if common == 1:
            break
        g //= common
    return g


def _consistent(point: _Point, e: int, n: Any) -> bool:
    return bool(point.s < n and gmpy2.powmod(point.s, e, n) == point.m)


def _candidate(g: Any, points: Sequence[_Point], e: int, k: int) -> Any | None:
    """Turn a gcd into the modulus, or None when it is not one.

    Other signatures trim a cofactor too large for trial division at the cost of one modular
    power each: a consistent signature keeps n | (s^e - m mod g), a wrong one is skipped.
    """
    low, high = 8 * k - 7, 8 * k  # the modulus is k bytes long
    g = _strip_small_factors(g)
    if g.bit_length() < low or g.bit_length() > 4 * high:
        return None
    for point in points:
        if g.bit_length() <= high:
            break
        trimmed = gmpy2.gcd(g, (gmpy2.powmod(point.s, e, g) - point.m) % g)
        if trimmed.bit_length() >= low:
            g = trimmed
    if g.bit_length() > high:
        return None
    explained: set[bytes] = set()
    for point in points:
        if len(explained) < 2 and _consistent(point, e, g):
            explained.add(point.sample.signature)
    return g if len(explained) >= 2 else None


def _modulus(
    points: Sequence[_Point], e: int, k: int, max_signatures: int, report: Progress
) -> Any | None:
    """n for exponent e, from at most max_signatures signatures of k bytes, or None.

    Pair by pair with an accumulated product: step j computes gcd(D_j, D_0 * ... * D_(j-1))
    where D_i = s_i^e - m_i. It finds n as soon as D_j and one earlier D_i are genuine, so one
    wrong signature among three (a tampered message) costs one more gcd, never a wrong key.
    """
    chosen: list[_Point] = []
    seen: set[bytes] = set()
    for point in points:
        if point.sample.signature not in seen and len(chosen) < max(2, max_signatures):
            seen.add(point.sample.signature)
            chosen.append(point)
    if len(chosen) < 2:
        return None
    total = len(chosen) + _GCD_WEIGHT * (len(chosen) - 1)
    done = 0.0
    product: Any = None
    for j, point in enumerate(chosen):
        report(f"power e={e} ({j + 1}/{len(chosen)})", done / total)
        d = gmpy2.mpz(point.s) ** e - point.m
        done += 1
        if d == 0:  # s^e = m exactly: no modulus involved (only forged input does this)
            continue
        if product is None:
            product = d
            continue
        report(f"gcd e={e} ({j}/{len(chosen) - 1})", done / total)
        g = gmpy2.gcd(d, product if j == 1 else product % d)
        done += _GCD_WEIGHT
        n = _candidate(g, points, e, k)
        if n is not None:
            return n
        if j + 1 < len(chosen):
            product *= d
    return None


# --- public entry points ---------------------------------------------------------------------


def recover_key(
    samples: Sequence[SignatureSample],
    *,
    progress: Progress | None = None,
    exponents: Sequence[int] = (65537, 3),
    max_signatures: int = 3,
) -> RecoveredKey | None:
    """Recover the RSA key behind the signatures of one (domain, selector).

    Returns None when it cannot: fewer than two distinct usable signatures, or no exponent
    gives a modulus of the signatures' length that at least two of them verify under.
    At most `max_signatures` distinct signatures (in the given order) enter the big-number
    work; every given sample is then checked against the key, and `from_items` lists those
    it verifies. Cheap exponents are tried first. `progress(stage, fraction)` is called
    between steps (the gcd itself is one uninterruptible call).
    """
    report: Progress = progress or (lambda stage, fraction: None)
    points = [p for p in (_point(s) for s in samples) if p is not None]
    by_length: dict[int, list[_Point]] = {}
    for point in points:
        by_length.setdefault(len(point.sample.signature), []).append(point)
    # A selector re-used after a key change may hold two key sizes: try the best supported.
    lengths = sorted(by_length, key=lambda k: (-len({p.s for p in by_length[k]}), -k))
    # Attempts in order; each weighs about e * k in time, so fractions stay monotonic.
    attempts = [
        (k, e)
        for k in lengths
        if len({p.s for p in by_length[k]}) >= 2
        for e in sorted({int(x) for x in exponents if int(x) > 1})
    ]
    total = sum(e * k for k, e in attempts) or 1
    before = 0
    for k, e in attempts:

        def step(stage: str, fraction: float, base: int = before, weight: int = e * k) -> None:
            report(stage, (base + weight * fraction) / total)

        before += e * k
        n = _modulus(by_length[k], e, k, max_signatures, step)
        if n is None:
            continue
        explained = [p.sample for p in by_length[k] if _consistent(p, e, n)]
        report("done", 1.0)
        first = explained[0]
        return RecoveredKey(
            domain=first.domain,
            selector=first.selector,
            modulus=int(n),
            exponent=e,
            bits=int(n.bit_length()),
            from_items=tuple(dict.fromkeys(s.item_path for s in explained)),
        )
    report("done", 1.0)
    return None


def recover_keys(
    samples: Iterable[SignatureSample],
    *,
    min_signatures: int = 2,
    max_signatures: int = 3,
    known: Callable[[str, str], bool] = lambda d, s: False,
    progress: Progress | None = None,
    workers: int = 1,
    exponents: Sequence[int] = (65537, 3),
) -> list[RecoveredKey]:
    """Recover the key of every (domain, selector) of the dump that has no known key.

    Groups samples by (domain, selector), skips groups for which `known(domain, selector)`
    is true or that hold fewer than `min_signatures` distinct signatures, and runs
    `recover_key` on each, in `workers` processes when more than one. Within a group, samples
    are taken in item-path order, so the result does not depend on the input order or on
    `workers`. Returns the keys found, sorted by (domain, selector).
    """
    groups: dict[tuple[str, str], list[SignatureSample]] = {}
    for sample in samples:
        if sample.algorithm in RSA_ALGORITHMS:
            groups.setdefault((sample.domain, sample.selector), []).append(sample)
    jobs: list[tuple[str, list[SignatureSample]]] = []
    for (domain, selector), group in sorted(groups.items()):
        if len({s.signature for s in group}) < max(2, min_signatures) or known(domain, selector):
            continue
        group.sort(key=lambda s: (s.item_path, s.signature, s.digest))
        jobs.append((f"{selector}._domainkey.{domain}", group))
    report: Progress = progress or (lambda stage, fraction: None)
    keys: list[RecoveredKey] = []
    if workers > 1 and len(jobs) > 1:
        pool = ProcessPoolExecutor(min(workers, len(jobs)), mp_context=get_context("spawn"))
        with pool:
            futures = {
                pool.submit(
                    recover_key, group, exponents=exponents, max_signatures=max_signatures
                ): name
                for name, group in jobs
            }
            for done, future in enumerate(as_completed(futures), 1):
                key = future.result()
                report(f"{futures[future]}: done", done / len(jobs))
                if key is not None:
                    keys.append(key)
    else:
        for index, (name, group) in enumerate(jobs):

            def step(stage: str, fraction: float, name: str = name, index: int = index) -> None:
                report(f"{name}: {stage}", (index + fraction) / len(jobs))

            key = recover_key(
                group, progress=step, exponents=exponents, max_signatures=max_signatures
            )
            if key is not None:
                keys.append(key)
    return sorted(keys, key=lambda key: (key.domain, key.selector))
