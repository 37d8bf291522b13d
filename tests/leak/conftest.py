"""Helpers for the DKIM tests: real keys and real signatures, made here.

Signatures come from dkimpy's ``dkim.sign`` where it can express the case, and otherwise from
`sign_with_tags`, which builds the header with dkimpy's own canonicalisation and header hashing
and signs with `cryptography` / PyNaCl (dkimpy cannot add x=, chosen t= or unknown algorithms).
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import dkim
import gmpy2
import nacl.encoding
import nacl.signing
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from dkim.canonicalization import CanonicalizationPolicy

from contrefeu.leak.keys import KeyArchive, KeyRecord

HERE = Path(__file__).resolve()
DATA = HERE.parents[1] / "data" / "leak"
SHARED = HERE.parents[2].parent / "shared" / "data" / "leak"

MESSAGE = (
    b"From: Claire Martin <c.martin@avenir-commun.fr>\r\n"
    b"To: Paul Durand <paul@example.net>\r\n"
    b"Subject: Rendez-vous jeudi\r\n"
    b"Date: Thu, 02 May 2024 09:00:00 +0200\r\n"
    b"Message-ID: <20240502090000.1@avenir-commun.fr>\r\n"
    b"\r\n"
    b"Bonjour Paul,\r\n"
    b"\r\n"
    b"On se voit jeudi a 10h au local de campagne.\r\n"
    b"Claire\r\n"
)


@dataclass
class TestKey:
    """A signing key and the DNS record that publishes its public half."""

    __test__ = False
    domain: str
    selector: str
    kind: str  # "rsa" | "ed25519"
    private: bytes  # PEM (rsa) or base64 seed (ed25519), as dkim.sign wants
    txt: str
    bits: int
    _rsa: rsa.RSAPrivateKey | None = None
    _ed: nacl.signing.SigningKey | None = None

    def record(self, source: str = "archive:test") -> KeyRecord:
        return KeyRecord(f"{self.selector}._domainkey.{self.domain}", self.txt, source)

    def archive(self) -> KeyArchive:
        return KeyArchive([self.record()])


def _rsa_from_private(key: rsa.RSAPrivateKey, domain: str, selector: str) -> TestKey:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    txt = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    return TestKey(domain, selector, "rsa", pem, txt, key.key_size, _rsa=key)


def make_rsa_key(bits: int, domain: str = "avenir-commun.fr", selector: str = "s1") -> TestKey:
    if bits >= 1024:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return _rsa_from_private(key, domain, selector)
    # OpenSSL refuses to *generate* keys under 1024 bits; weak keys are what leaks hold, so
    # build one from two primes (deterministic, so the tests are repeatable).
    rng = random.Random(bits)
    e = 65537
    while True:
        p = int(gmpy2.next_prime(rng.getrandbits(bits // 2) | (1 << (bits // 2 - 1))))
        q = int(gmpy2.next_prime(rng.getrandbits(bits // 2) | (1 << (bits // 2 - 1))))
        n = p * q
        phi = (p - 1) * (q - 1)
        if p != q and n.bit_length() == bits and gmpy2.gcd(e, phi) == 1:
            break
    d = int(gmpy2.invert(e, phi))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, n),
    )  # fmt: skip
    return _rsa_from_private(numbers.private_key(), domain, selector)


def make_ed25519_key(domain: str = "avenir-commun.fr", selector: str = "ed1") -> TestKey:
    sk = nacl.signing.SigningKey.generate()
    seed = sk.encode(encoder=nacl.encoding.Base64Encoder)
    pub = sk.verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()
    return TestKey(domain, selector, "ed25519", seed, f"v=DKIM1; k=ed25519; p={pub}", 256, _ed=sk)


def sign(message: bytes, key: TestKey, **kw: object) -> bytes:
    """Prepend a DKIM-Signature made by dkimpy's ``dkim.sign``."""
    algo = b"ed25519-sha256" if key.kind == "ed25519" else kw.pop("algorithm", b"rsa-sha256")
    header = dkim.sign(
        message,
        key.selector.encode(),
        key.domain.encode(),
        key.private,
        signature_algorithm=algo,
        **kw,
    )
    return header + message


def sign_with_tags(
    message: bytes,
    key: TestKey,
    *,
    algorithm: bytes = b"rsa-sha256",
    c: bytes = b"relaxed/relaxed",
    h: bytes = b"from:to:subject:date:message-id",
    tags: tuple[tuple[bytes, bytes], ...] = (),
    length: int | None = None,
) -> bytes:
    """Prepend a DKIM-Signature with exactly the given tags, signed for real."""
    headers, body = dkim.rfc822_parse(message)
    policy = CanonicalizationPolicy.from_c_value(c)
    cbody = policy.canonicalize_body(body)
    digest = hashlib.sha1 if algorithm.endswith(b"sha1") else hashlib.sha256
    bh = base64.b64encode(digest(cbody if length is None else cbody[:length]).digest())
    fields = [
        (b"v", b"1"), (b"a", algorithm), (b"c", c), (b"d", key.domain.encode()),
        (b"s", key.selector.encode()), *tags,
    ]  # fmt: skip
    if length is not None:
        fields.append((b"l", str(length).encode()))
    fields += [(b"h", h), (b"bh", bh), (b"b", b"")]
    value = b" " + b"; ".join(k + b"=" + v for k, v in fields)
    hasher = digest()
    include = [x.strip().lower() for x in h.split(b":")]
    dkim.hash_headers(
        hasher, policy, policy.canonicalize_headers(headers), include,
        (b"DKIM-Signature", value), None,
    )  # fmt: skip
    if key.kind == "ed25519":
        assert key._ed is not None
        raw_sig = key._ed.sign(hasher.digest()).signature
    else:
        assert key._rsa is not None
        algo = hashes.SHA1() if algorithm.endswith(b"sha1") else hashes.SHA256()
        raw_sig = key._rsa.sign(hasher.digest(), padding.PKCS1v15(), utils.Prehashed(algo))
    return b"DKIM-Signature:" + value + base64.b64encode(raw_sig) + b"\r\n" + message


@pytest.fixture(scope="session")
def rsa2048() -> TestKey:
    return make_rsa_key(2048)


@pytest.fixture(scope="session")
def rsa1024() -> TestKey:
    return make_rsa_key(1024, selector="old1024")


@pytest.fixture(scope="session")
def rsa512() -> TestKey:
    return make_rsa_key(512, selector="weak512")


@pytest.fixture(scope="session")
def ed25519() -> TestKey:
    return make_ed25519_key()


@pytest.fixture
def message() -> bytes:
    return MESSAGE


def shared_or_skip() -> Path:
    if not SHARED.is_dir():
        pytest.skip("shared reference data is absent")
    return SHARED


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """The helpers above, for test modules (imported through a fixture so that another
    folder's conftest.py can never shadow them)."""
    return SimpleNamespace(
        MESSAGE=MESSAGE,
        DATA=DATA,
        SHARED=SHARED,
        make_rsa_key=make_rsa_key,
        make_ed25519_key=make_ed25519_key,
        sign=sign,
        sign_with_tags=sign_with_tags,
        shared_or_skip=shared_or_skip,
    )
