"""The fast DKIM verification path: dkimpy's rules, with the slow parts done in C.

Profiling dkimpy on a leak shows two hot spots: regular expressions run over the whole message
(splitting lines, relaxed body canonicalisation) and pure-Python RSA (byte-by-byte integer
conversion). This module keeps dkimpy's own header parsing, header canonicalisation, header
selection and hashing (it calls those functions) and replaces only:

* the line split of the message, by two ``bytes.replace`` calls that give the same body;
* the relaxed canonicalisation of the body and of header values, by ``bytes.replace`` loops
  that give the same bytes;
* RSA PKCS#1 v1.5 verification, by OpenSSL through ``cryptography``, falling back to the exact
  integer arithmetic dkimpy does in the few cases OpenSSL would judge differently (signature
  not exactly the modulus length, signature value not below the modulus, keys OpenSSL refuses).

Each replacement is checked byte for byte against dkimpy by property tests, and the whole path
by a differential test over every reference message. Parsed keys are cached per TXT value.

It is not a DKIM implementation of its own: tags, canonicalisation rules and header hashing
stay dkimpy's.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

import dkim
from dkim.canonicalization import (
    CanonicalizationPolicy,
    Relaxed,
    Simple,
    correct_empty_body,
    strip_trailing_lines,
)
from dkim.crypto import HASH_ALGORITHMS, EMSA_PKCS1_v1_5_encode
from dkim.util import InvalidTagValueList, parse_tag_value

_EMPTY_LINE = re.compile(rb"\n\r?\n")
# DigestInfo lengths for the digests DKIM uses (RFC 8017 section 9.2): EMSA needs 11 more bytes.
_DIGEST_INFO_LEN = {"sha1": 35, "sha256": 51}


# -- message parsing -------------------------------------------------------------------------
def split_message(raw: bytes) -> tuple[list[list[bytes]], bytes]:
    """Headers and CRLF body exactly as ``dkim.rfc822_parse`` returns them, faster.

    dkimpy splits the whole message into lines with a regex and re-joins the body. Only the
    header block needs line parsing, so we hand just that block to dkimpy's parser and rebuild
    the body with two replaces: every ``\\r?\\n`` becomes ``\\r\\n``, which is what the split and
    join produce. Raises what ``rfc822_parse`` raises on bad header lines.
    """
    if not raw:
        return [], b""
    if raw.startswith(b"\n"):
        headers: list[list[bytes]] = []
        body_start = 1
    elif raw.startswith(b"\r\n"):
        headers = []
        body_start = 2
    else:
        m = _EMPTY_LINE.search(raw)
        if m is None:
            headers, _ = dkim.rfc822_parse(raw)
            return headers, b""
        headers, _ = dkim.rfc822_parse(raw[: m.start() + 1])
        body_start = m.end()
    return headers, normalise_newlines(raw[body_start:])


def normalise_newlines(data: bytes) -> bytes:
    """Every LF or CRLF becomes CRLF (a lone CR stays), as dkimpy's split/join does."""
    if data.count(b"\n") == data.count(b"\r\n"):
        return data  # already CRLF throughout: no copy needed
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def relaxed_body(body: bytes) -> bytes:
    """Identical output to dkimpy's ``Relaxed.canonicalize_body``, without regexes.

    dkimpy removes ``[\\t ]+`` before each CRLF, then squeezes every other ``[\\t ]+`` run to
    one space. Squeezing first and then dropping the single space left before a CRLF gives the
    same bytes: a run before a CRLF is maximal, so after squeezing it is exactly one space.
    """
    b = body.replace(b"\t", b" ")
    while b"  " in b:
        b = b.replace(b"  ", b" ")
    b = b.replace(b" \r\n", b"\r\n")
    return correct_empty_body(strip_trailing_lines(b))


def relaxed_headers(headers: list[list[bytes]]) -> list[tuple[bytes, bytes]]:
    """Identical output to dkimpy's ``Relaxed.canonicalize_headers``, without regexes.

    dkimpy unfolds each value with ``re.sub(rb"\r?\n", b"")``, which removes exactly what
    removing every CRLF and then every remaining LF removes, and squeezes ``[\t ]+`` runs as
    ``relaxed_body`` does; the lower-casing and stripping are dkimpy's own calls.
    """
    out = []
    for name, value in headers:
        v = value.replace(b"\r\n", b"").replace(b"\n", b"").replace(b"\t", b" ")
        while b"  " in v:
            v = v.replace(b"  ", b" ")
        out.append((name.lower().rstrip(), v.strip() + b"\r\n"))
    return out


def canonical_body(body: bytes, algorithm: Any) -> bytes:
    """The canonical body for dkimpy's Simple or Relaxed body algorithm."""
    if algorithm is Relaxed:
        return relaxed_body(body)
    if algorithm is Simple:
        return strip_trailing_lines(body)
    return algorithm.canonicalize_body(body)  # pragma: no cover - dkimpy has only two


@dataclass
class ParsedMessage:
    """A message split once, with canonical forms cached across its signatures."""

    headers: list[list[bytes]]
    body: bytes
    _bodies: dict[tuple[int, bytes], bytes] = field(default_factory=dict)
    _headers: dict[type, list[Any]] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: bytes) -> ParsedMessage:
        headers, body = split_message(raw)
        return cls(headers, body)

    def body_for(self, algorithm: type, body: bytes | None = None) -> bytes:
        """Canonical body; `body` replaces the message body (e.g. after undoing mbox quoting)."""
        src = self.body if body is None else body
        key = (id(algorithm), b"" if body is None else b"alt:" + src)
        if key not in self._bodies:
            self._bodies[key] = canonical_body(src, algorithm)
        return self._bodies[key]

    def headers_for(self, policy: CanonicalizationPolicy) -> list[Any]:
        alg = policy.header_algorithm
        if alg not in self._headers:
            if alg is Relaxed:
                self._headers[alg] = relaxed_headers(self.headers)
            else:
                self._headers[alg] = policy.canonicalize_headers(self.headers)
        return self._headers[alg]


# -- keys ------------------------------------------------------------------------------------
@dataclass
class ParsedKey:
    """A DKIM key record as dkimpy reads it, plus an OpenSSL key object for speed."""

    ktag: bytes | None  # b"rsa" | b"ed25519" | None when unusable
    bits: int | None
    pk: Any = None  # dkimpy's key: {"modulus", "publicExponent"} or a nacl VerifyKey
    tlsrpt_only: bool = False
    problem: str | None = None  # why the record cannot be used
    problem_kind: str = "invalid"  # "invalid" | "unsupported" | "revoked"
    fast: Any = None  # cryptography RSAPublicKey, when OpenSSL accepts the numbers
    modlen: int = 0


_KEY_CACHE: dict[str, ParsedKey] = {}
_KEY_CACHE_MAX = 4096


def parse_key(name: str, txt: str) -> ParsedKey:
    """Read a key TXT record with dkimpy's ``evaluate_pk`` (cached per value)."""
    cached = _KEY_CACHE.get(txt)
    if cached is not None:
        return cached
    parsed = _parse_key_uncached(name, txt)
    if len(_KEY_CACHE) >= _KEY_CACHE_MAX:
        _KEY_CACHE.clear()
    _KEY_CACHE[txt] = parsed
    return parsed


def _parse_key_uncached(name: str, txt: str) -> ParsedKey:
    raw = txt.encode("utf-8", "replace")
    try:
        tags = parse_tag_value(raw)
    except InvalidTagValueList as exc:
        return ParsedKey(None, None, problem=f"the key record cannot be parsed ({exc})")
    if b"p" in tags and not re.sub(rb"\s+", b"", tags[b"p"]):
        return ParsedKey(
            None, None, problem="the key has been revoked (empty p=)", problem_kind="revoked"
        )
    k = tags.get(b"k", b"rsa")
    if k not in (b"rsa", b"ed25519"):
        return ParsedKey(
            None,
            None,
            problem=f"the key type k={k.decode('ascii', 'replace')} is not supported",
            problem_kind="unsupported",
        )
    try:
        pk, bits, ktag, tlsrpt = dkim.evaluate_pk(name.encode("utf-8", "replace"), raw)
    except Exception as exc:  # dkimpy raises several types (KeyFormatError, binascii.Error...)
        return ParsedKey(None, None, problem=f"the key record cannot be used ({exc})")
    if ktag is None:
        return ParsedKey(None, None, problem="the key record's service type (s=) excludes email")
    key = ParsedKey(ktag, bits, pk=pk, tlsrpt_only=bool(tlsrpt))
    if ktag == b"rsa":
        n, e = pk["modulus"], pk["publicExponent"]
        key.modlen = max(1, (n.bit_length() + 7) // 8)
        key.fast = _openssl_rsa_key(n, e)
    return key


def _openssl_rsa_key(n: int, e: int) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        return rsa.RSAPublicNumbers(e, n).public_key()
    except Exception:  # OpenSSL refuses odd keys (even modulus, huge size): use the fallback
        return None


# -- signatures ------------------------------------------------------------------------------
class DigestTooLarge(Exception):
    """The key is too small to hold the digest (dkimpy: KeyFormatError)."""


def rsa_verify(digest: bytes, hash_name: str, signature: bytes, key: ParsedKey) -> bool:
    """RSASSA-PKCS1-v1_5 verification with exactly dkimpy's acceptance rule."""
    if key.modlen < _DIGEST_INFO_LEN[hash_name] + 11:
        raise DigestTooLarge(f"a {key.bits}-bit key cannot hold a {hash_name} digest")
    n, e = key.pk["modulus"], key.pk["publicExponent"]
    s = int.from_bytes(signature, "big")
    if key.fast is not None and len(signature) == key.modlen and s < n:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, utils

        algo = hashes.SHA256() if hash_name == "sha256" else hashes.SHA1()
        try:
            key.fast.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(algo))
            return True
        except InvalidSignature:
            return False
    # dkimpy accepts any signature length and reduces modulo n: do the same arithmetic.
    encoded = EMSA_PKCS1_v1_5_encode(_Digest(hash_name, digest), key.modlen)
    return pow(s, e, n).to_bytes(key.modlen, "big") == bytes(encoded)


@dataclass
class _Digest:
    """The two attributes of a hashlib object that dkimpy's EMSA encoder reads."""

    name: str
    value: bytes

    def digest(self) -> bytes:
        return self.value


def header_hash(
    message: ParsedMessage,
    sig: dict[bytes, bytes],
    include_headers: list[bytes],
    sig_header: tuple[bytes, bytes],
    policy: CanonicalizationPolicy,
) -> tuple[Any, list[Any]]:
    """The hash over signed headers, computed by dkimpy's own ``hash_headers``.

    Like dkimpy, an extra ``from`` is appended to h= so a second From header breaks the
    signature (dkimpy bug #644046). Returns the hash object and the selected headers.
    """
    hasher = HASH_ALGORITHMS[sig[b"a"]]()
    include = list(include_headers)
    if b"from" in include:
        include.append(b"from")
    signed = dkim.hash_headers(
        hasher, policy, message.headers_for(policy), include, sig_header, sig
    )
    return hasher, signed


def verify_header_signature(
    message: ParsedMessage,
    sig: dict[bytes, bytes],
    include_headers: list[bytes],
    sig_header: tuple[bytes, bytes],
    policy: CanonicalizationPolicy,
    key: ParsedKey,
) -> bool:
    """Does b= verify over the signed headers with this key? (dkimpy's rule, fast crypto).

    Raises DigestTooLarge for keys too small for the digest, and whatever dkimpy's key
    objects raise on malformed signatures (e.g. an Ed25519 signature of the wrong length).
    """
    h, _ = header_hash(message, sig, include_headers, sig_header, policy)
    signature = base64.b64decode(re.sub(rb"\s+", b"", sig[b"b"]))
    if key.ktag == b"rsa":
        return rsa_verify(h.digest(), h.name.lower(), signature, key)
    if key.ktag == b"ed25519":
        import nacl.exceptions

        try:
            key.pk.verify(h.digest(), signature)
            return True
        except nacl.exceptions.BadSignatureError:
            return False
    raise ValueError("unusable key")
