"""The demo's DKIM keys and a deterministic DKIM signer built on dkimpy.

Only the demo generator uses this: it signs mail of the fictional organisations with the
published demo keys in `keys/`. It is not a signing service for real mail.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import dkim
import dkim.crypto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from dkim.canonicalization import CanonicalizationPolicy

KEY_SOURCE = "demo key"


@dataclass(frozen=True)
class DemoKey:
    """One demo signing key: where its public half lives in DNS and how to sign with it."""

    domain: str
    selector: str
    algorithm: str  # "rsa" | "ed25519"
    bits: int
    private: bytes  # PKCS#1 PEM for RSA, base64 of the 32-byte seed for Ed25519 (dkimpy's forms)
    public_txt: str  # the DNS TXT value "v=DKIM1; k=...; p=..."

    @property
    def dns_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def archive_record(self) -> dict[str, str]:
        """This key as one record of the key-archive contract (list form)."""
        return {"name": self.dns_name, "txt": self.public_txt, "source": KEY_SOURCE}


def _load_key(name: str, pem: bytes) -> DemoKey:
    selector, _, domain = name.removesuffix(".pem").partition("._domainkey.")
    key = serialization.load_pem_private_key(pem, password=None)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        seed = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        txt = f"v=DKIM1; k=ed25519; p={base64.b64encode(public).decode()}"
        return DemoKey(domain, selector, "ed25519", 256, base64.b64encode(seed), txt)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"unsupported demo key type in {name}")
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    txt = f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode()}"
    return DemoKey(domain, selector, "rsa", key.key_size, pem, txt)


@cache
def demo_keys() -> dict[str, DemoKey]:
    """Every shipped demo key, by DNS name (`selector._domainkey.domain`)."""
    folder = resources.files("contrefeu.demo") / "keys"
    keys: dict[str, DemoKey] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".pem"):
            key = _load_key(entry.name, entry.read_bytes())
            keys[key.dns_name] = key
    return keys


def demo_key(domain: str, selector: str) -> DemoKey:
    return demo_keys()[f"{selector}._domainkey.{domain}"]


def dkim_signature(
    message: bytes,
    key: DemoKey,
    *,
    timestamp: int,
    headers: Sequence[str],
    algorithm: str | None = None,
    canonicalize: tuple[str, str] = ("relaxed", "relaxed"),
    length: bool = False,
    expire: int | None = None,
) -> bytes:
    """The DKIM-Signature header line (LF-terminated) for `message`, signed with `key`.

    dkimpy's `dkim.sign` always stamps t= with the current time and cannot write x=; the demo
    must be byte-identical on every run and needs x= for its expired samples, so this mirrors
    `DKIM.sign`'s tag list with a fixed t= (and optional x=) and lets dkimpy's own `gen_header`
    canonicalise, hash and sign. Everything cryptographic stays dkimpy's.
    """
    alg = (algorithm or ("ed25519-sha256" if key.algorithm == "ed25519" else "rsa-sha256")).encode()
    signer = dkim.DKIM(message, signature_algorithm=alg, linesep=b"\n")
    if alg == b"ed25519-sha256":
        import nacl.encoding
        import nacl.signing

        private: object = nacl.signing.SigningKey(key.private, encoder=nacl.encoding.Base64Encoder)
    else:
        private = dkim.crypto.parse_pem_private_key(key.private)
    include = tuple(h.lower().encode() for h in headers)
    if b"from" not in include:
        raise ValueError("DKIM signatures must cover From")
    policy = CanonicalizationPolicy.from_c_value("/".join(canonicalize).encode())
    body = policy.canonicalize_body(signer.body)
    signer.hasher = dkim.HASH_ALGORITHMS[alg]
    body_hash = base64.b64encode(signer.hasher(body).digest())
    domain = key.domain.encode()
    fields: list[tuple[bytes, bytes]] = [
        (b"v", b"1"),
        (b"a", alg),
        (b"c", policy.to_c_value()),
        (b"d", domain),
        (b"i", b"@" + domain),
    ]
    if length:
        fields.append((b"l", str(len(body)).encode()))
    fields += [(b"q", b"dns/txt"), (b"s", key.selector.encode()), (b"t", str(timestamp).encode())]
    if expire is not None:
        fields.append((b"x", str(expire).encode()))
    fields += [
        (b"h", b" : ".join(include)),  # dkimpy's own separator, folds cleanly
        (b"bh", body_hash),
        (b"b", b"0" * 60),
    ]
    header = signer.gen_header(fields, include, policy, b"DKIM-Signature", private)
    return b"DKIM-Signature: " + header


def sign(message: bytes, key: DemoKey, **options: object) -> bytes:
    """`message` with a new DKIM-Signature prepended, as a signing MTA does."""
    return dkim_signature(message, key, **options) + message  # type: ignore[arg-type]
