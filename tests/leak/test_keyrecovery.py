"""DKIM key recovery: real keys, real dkimpy signatures, exact moduli.

Most tests use 1024-bit keys with e = 3, which cryptography and dkimpy both support and which
make the gcd take milliseconds; the same code path then runs once with e = 65537 (the slow test,
about half a minute on two cores). Tampering rule, as implemented and asserted below: with three
signatures one wrong signature is tolerated (the key is still found from the other two and the
wrong one is left out of `from_items`); with two signatures, or two wrong of three, recovery
returns None, never a wrong key.
"""

from __future__ import annotations

import base64
import json
import random
import time
from functools import cache
from pathlib import Path

import dkim
import nacl.signing
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.leak import keyrecovery
from contrefeu.leak.keyrecovery import (
    RecoveredKey,
    SignatureSample,
    recover_key,
    recover_keys,
    signature_samples,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
LEAK_DATA = SHARED / "data" / "leak"


@cache
def private_key(name: str, exponent: int = 3, bits: int = 1024) -> rsa.RSAPrivateKey:
    """One key per name for the whole session (generation is the slow part of a fast test)."""
    return rsa.generate_private_key(public_exponent=exponent, key_size=bits)


def pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def modulus(key: rsa.RSAPrivateKey) -> int:
    return key.public_key().public_numbers().n


def message(number: int, domain: str = "example.org") -> bytes:
    return (
        f"From: Claire Martin <c.martin@{domain}>\r\n"
        f"To: press@example.net\r\n"
        f"Subject: Point presse {number}\r\n"
        f"Date: Mon, 3 Apr 2017 09:{number % 60:02d}:00 +0200\r\n"
        f"Message-ID: <{number}.{domain}@mail.example>\r\n"
        f"\r\n"
        f"Bonjour,\r\nvoici le message numero {number}.\r\n"
    ).encode()


def signed(
    key: rsa.RSAPrivateKey,
    number: int,
    selector: str = "sel1",
    domain: str = "example.org",
    algorithm: bytes = b"rsa-sha256",
    canonicalize: tuple[bytes, bytes] = (b"relaxed", b"simple"),
) -> bytes:
    raw = message(number, domain)
    header = dkim.sign(
        raw,
        selector.encode(),
        domain.encode(),
        pem(key),
        canonicalize=canonicalize,
        signature_algorithm=algorithm,
    )
    return header + raw


def tamper(raw: bytes) -> bytes:
    """Change a signed header after signing: the signature no longer matches the digest."""
    edited = raw.replace(b"Subject: Point presse", b"Subject: Point presse URGENT", 1)
    assert edited != raw
    return edited


def samples_of(*messages: tuple[str, bytes]) -> list[SignatureSample]:
    out: list[SignatureSample] = []
    for path, raw in messages:
        out.extend(signature_samples(raw, path))
    return out


def dns_answering(*keys: RecoveredKey):  # type: ignore[no-untyped-def]
    records = {f"{k.dns_name()}.".encode(): k.txt_record().encode() for k in keys}

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        return records.get(name)

    return dnsfunc


# --- signature_samples -----------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", [b"rsa-sha256", b"rsa-sha1"])
@pytest.mark.parametrize(
    "canonicalize",
    [(b"simple", b"simple"), (b"relaxed", b"relaxed"), (b"relaxed", b"simple")],
)
def test_sample_digest_is_what_the_signature_signs(
    algorithm: bytes, canonicalize: tuple[bytes, bytes]
) -> None:
    key = private_key("digest", 65537)
    raw = signed(key, 7, algorithm=algorithm, canonicalize=canonicalize)
    [sample] = signature_samples(raw, "inbox/7.eml")
    assert (sample.domain, sample.selector, sample.item_path) == (
        "example.org",
        "sel1",
        "inbox/7.eml",
    )
    assert sample.algorithm == algorithm.decode()
    chosen = hashes.SHA256() if algorithm == b"rsa-sha256" else hashes.SHA1()
    # Raises InvalidSignature when the digest is not exactly the signed one.
    key.public_key().verify(
        sample.signature, sample.digest, padding.PKCS1v15(), utils.Prehashed(chosen)
    )
    # ...and a changed header gives another digest.
    [changed] = signature_samples(tamper(raw), "inbox/7.eml")
    assert changed.signature == sample.signature and changed.digest != sample.digest


def test_every_rsa_signature_is_sampled_and_ed25519_is_not() -> None:
    raw = message(1)
    ed_seed = base64.b64encode(bytes(nacl.signing.SigningKey.generate()))
    for selector, key_pem, algorithm in [
        (b"first", pem(private_key("a")), b"rsa-sha256"),
        (b"ed", ed_seed, b"ed25519-sha256"),
        (b"Second", pem(private_key("b")), b"rsa-sha1"),
    ]:
        raw = dkim.sign(raw, selector, b"Example.ORG", key_pem, signature_algorithm=algorithm) + raw
    samples = signature_samples(raw, "x.eml")
    # Top-most header first; domain and selector folded to lower case (DNS is case-blind).
    assert [(s.selector, s.domain, s.algorithm) for s in samples] == [
        ("second", "example.org", "rsa-sha1"),
        ("first", "example.org", "rsa-sha256"),
    ]
    assert [len(s.signature) for s in samples] == [128, 128]


def test_broken_signatures_are_skipped_not_fatal() -> None:
    good = signed(private_key("a"), 2)
    broken = [
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel1; h=from; b=!!notbase64!!\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel1; b=AAAA\r\n",  # no h=
        b"DKIM-Signature: v=1; a=rsa-sha256; a=rsa-sha1; d=x; s=y; h=from; b=AAAA\r\n",
        b"DKIM-Signature: v=1; a=rsa-sha256; c=odd/odd; d=x; s=y; h=from; b=AAAA\r\n",
        b"DKIM-Signature: garbage without tags\r\n",
    ]
    samples = signature_samples(b"".join(broken) + good, "m.eml")
    assert [(s.selector, s.item_path) for s in samples] == [("sel1", "m.eml")]
    assert signature_samples(b" starts with a continuation line\r\n\r\nbody", "m.eml") == []
    assert signature_samples(b"", "m.eml") == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert isinstance(signature_samples(data, "fuzz.eml"), list)


@cache
def _fuzz_base() -> bytes:
    return signed(private_key("a"), 3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=2000),
    st.binary(max_size=40),
    st.integers(min_value=0, max_value=40),
)
def test_mutated_signed_message_never_raises(at: int, insert: bytes, cut: int) -> None:
    base = _fuzz_base()
    at = at % len(base)
    raw = base[:at] + insert + base[at + cut :]
    samples = signature_samples(raw, "fuzz.eml")
    assert all(s.algorithm in ("rsa-sha256", "rsa-sha1") for s in samples)
    # Whatever came out of hostile bytes is safe to hand to recovery.
    assert recover_key(samples + samples, exponents=(3,)) is None


# --- recover_key -----------------------------------------------------------------------------


def test_recovers_exact_modulus_and_a_record_dkimpy_accepts() -> None:
    key = private_key("a")
    messages = [(f"box.mbox!{i}", signed(key, i)) for i in (1, 2)]
    recovered = recover_key(samples_of(*messages))
    assert recovered is not None
    assert recovered.modulus == modulus(key)
    assert (recovered.exponent, recovered.bits) == (3, 1024)
    assert (recovered.domain, recovered.selector) == ("example.org", "sel1")
    assert recovered.from_items == ("box.mbox!1", "box.mbox!2")
    assert recovered.dns_name() == "sel1._domainkey.example.org"
    assert recovered.txt_record().startswith("v=DKIM1; k=rsa; p=MI")
    dnsfunc = dns_answering(recovered)
    for _path, raw in messages:
        assert dkim.verify(raw, dnsfunc=dnsfunc)
    assert not dkim.verify(tamper(messages[0][1]), dnsfunc=dnsfunc)
    entry = recovered.archive_entry()
    assert entry["name"] == "sel1._domainkey.example.org" and entry["txt"] == recovered.txt_record()
    assert "2 signed messages" in entry["source"]
    json.dumps(entry)  # the key-archive format is JSON


def test_one_signature_is_not_enough() -> None:
    raw = signed(private_key("a"), 1)
    assert recover_key(samples_of(("a.eml", raw))) is None
    # The same message twice (two copies in the dump) is still one signature.
    assert recover_key(samples_of(("a.eml", raw), ("copy/a.eml", raw))) is None
    assert recover_key([]) is None


def test_copies_of_a_message_are_all_listed() -> None:
    key = private_key("a")
    one, two = signed(key, 1), signed(key, 2)
    recovered = recover_key(samples_of(("a.eml", one), ("b.eml", two), ("copy/a.eml", one)))
    assert recovered is not None and recovered.modulus == modulus(key)
    assert recovered.from_items == ("a.eml", "b.eml", "copy/a.eml")


def test_one_tampered_of_three_still_gives_the_key() -> None:
    key = private_key("a")
    stages: list[tuple[str, float]] = []
    samples = samples_of(
        ("tampered.eml", tamper(signed(key, 1))),
        ("b.eml", signed(key, 2)),
        ("c.eml", signed(key, 3)),
    )
    recovered = recover_key(samples, progress=lambda s, f: stages.append((s, f)))
    assert recovered is not None and recovered.modulus == modulus(key)
    assert recovered.from_items == ("b.eml", "c.eml")
    # The first pair held the tampered message, so a second gcd ran (over b and c).
    assert sum(stage.startswith("gcd e=3") for stage, _ in stages) == 2
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert stages[-1][0] == "done"


def test_tampering_without_a_majority_gives_none_not_a_wrong_key() -> None:
    # exponents=(3,): a failed attempt at 65537 would cost a half-minute gcd for nothing here.
    key = private_key("a")
    one_of_two = samples_of(("t.eml", tamper(signed(key, 1))), ("b.eml", signed(key, 2)))
    assert recover_key(one_of_two, exponents=(3,)) is None
    two_of_three = samples_of(
        ("t1.eml", tamper(signed(key, 1))),
        ("t2.eml", tamper(signed(key, 2))),
        ("c.eml", signed(key, 3)),
    )
    assert recover_key(two_of_three, exponents=(3,)) is None


def test_max_signatures_bounds_the_big_work_not_the_check() -> None:
    key = private_key("a")
    messages = [(f"{i}.eml", signed(key, i)) for i in range(5)]
    bad_first = [("t0.eml", tamper(signed(key, 10))), ("t1.eml", tamper(signed(key, 11)))]
    samples = samples_of(*bad_first, *messages)
    # Two tampered of the first three: not enough with max_signatures=3.
    assert recover_key(samples, max_signatures=2, exponents=(3,)) is None
    assert recover_key(samples, max_signatures=3, exponents=(3,)) is None
    recovered = recover_key(samples, max_signatures=4)
    assert recovered is not None and recovered.modulus == modulus(key)
    # Every given sample is checked afterwards: all five genuine messages are explained.
    assert recovered.from_items == tuple(path for path, _ in messages)


def test_two_key_sizes_under_one_selector_prefers_the_better_supported() -> None:
    small, large = private_key("a"), private_key("large", 3, 2048)
    samples = samples_of(
        ("s1.eml", signed(small, 1)),
        ("l1.eml", signed(large, 2)),
        ("l2.eml", signed(large, 3)),
        ("s2.eml", signed(small, 4)),
        ("l3.eml", signed(large, 5)),
    )
    recovered = recover_key(samples)
    assert recovered is not None
    assert (recovered.modulus, recovered.bits) == (modulus(large), 2048)
    assert recovered.from_items == ("l1.eml", "l2.eml", "l3.eml")


def test_exponents_are_respected() -> None:
    key = private_key("a")
    samples = samples_of(("a.eml", signed(key, 1)), ("b.eml", signed(key, 2)))
    assert recover_key(samples, exponents=(5, 7)) is None
    recovered = recover_key(samples, exponents=(3,))
    assert recovered is not None and recovered.exponent == 3


def test_oversized_or_odd_samples_are_ignored_quickly() -> None:
    digest = bytes(32)
    huge = [
        SignatureSample("x.org", "s", "rsa-sha256", random.randbytes(4096), digest, f"{i}.eml")
        for i in range(3)
    ]
    odd = [
        SignatureSample(
            "x.org", "s", "rsa-sha256", random.randbytes(128), bytes(5), "short-digest.eml"
        ),
        SignatureSample("x.org", "s", "ed25519-sha256", random.randbytes(128), digest, "ed.eml"),
        SignatureSample("x.org", "s", "rsa-sha256", bytes(127) + b"\x01", digest, "one.eml"),
        SignatureSample("x.org", "s", "rsa-sha256", random.randbytes(16), digest, "tiny.eml"),
    ]
    start = time.perf_counter()
    assert recover_key(huge + odd) is None
    assert time.perf_counter() - start < 2.0


def test_random_signatures_give_none() -> None:
    rng = random.Random(7)
    samples = [
        SignatureSample(
            "x.org", "s", "rsa-sha256", rng.randbytes(128), rng.randbytes(32), f"{i}.eml"
        )
        for i in range(3)
    ]
    assert recover_key(samples, exponents=(3,)) is None


def test_cofactor_is_removed_by_trial_division_and_by_another_signature() -> None:
    key = private_key("a")
    samples = samples_of(*[(f"{i}.eml", signed(key, i)) for i in range(3)])
    points = [keyrecovery._point(s) for s in samples]
    assert all(p is not None for p in points)
    n = modulus(key)
    assert keyrecovery._strip_small_factors(n * 8 * 101 * 999_983) == n
    big_prime = 1_000_003  # above the trial-division bound: only a third signature removes it
    assert keyrecovery._strip_small_factors(n * big_prime) == n * big_prime
    assert keyrecovery._candidate(n * big_prime * 4, points, 3, 128) == n  # type: ignore[arg-type]
    assert keyrecovery._candidate(n * big_prime, points[:0], 3, 128) is None


# --- recover_keys ----------------------------------------------------------------------------


def _dump() -> list[tuple[str, bytes]]:
    a, b, c, d = (private_key(name) for name in "abcd")
    return [
        ("inbox/1.eml", signed(a, 1, "sel1")),
        ("inbox/2.eml", signed(b, 2, "sel2")),  # same domain, other selector, other key
        ("inbox/3.eml", signed(a, 3, "sel1")),
        ("inbox/4.eml", signed(b, 4, "sel2")),
        ("old/5.eml", signed(c, 5, "y2009", "old.example", b"rsa-sha1")),
        ("old/6.eml", signed(c, 6, "y2009", "old.example", b"rsa-sha1")),
        ("old/7.eml", signed(c, 7, "y2009", "old.example", b"rsa-sha1")),
        ("lone.eml", signed(d, 8, "lone", "lone.example")),
        ("gmail/9.eml", signed(d, 9, "archived", "known.example")),
        ("gmail/10.eml", signed(d, 10, "archived", "known.example")),
    ]


def test_recover_keys_keeps_selectors_apart_and_skips_known_and_small() -> None:
    samples = samples_of(*_dump())
    seen: list[tuple[str, float]] = []
    keys = recover_keys(
        samples,
        known=lambda domain, selector: (domain, selector) == ("known.example", "archived"),
        progress=lambda stage, fraction: seen.append((stage, fraction)),
    )
    assert [(k.dns_name(), k.from_items) for k in keys] == [
        ("sel1._domainkey.example.org", ("inbox/1.eml", "inbox/3.eml")),
        ("sel2._domainkey.example.org", ("inbox/2.eml", "inbox/4.eml")),
        ("y2009._domainkey.old.example", ("old/5.eml", "old/6.eml", "old/7.eml")),
    ]
    assert [k.modulus for k in keys] == [modulus(private_key(n)) for n in "abc"]
    dnsfunc = dns_answering(*keys)
    for path, raw in _dump()[:7]:
        assert dkim.verify(raw, dnsfunc=dnsfunc), path
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(stage.startswith("y2009._domainkey.old.example: gcd") for stage, _ in seen)
    assert recover_keys(samples, min_signatures=3) == [keys[2]]


def test_recover_keys_same_result_whatever_the_order_or_workers() -> None:
    samples = samples_of(*_dump())
    expected = recover_keys(samples)
    shuffled = list(samples)
    random.Random(3).shuffle(shuffled)
    assert recover_keys(shuffled) == expected
    assert recover_keys(shuffled, workers=2) == expected
    assert len(expected) == 4


@pytest.mark.slow
def test_real_exponent_65537() -> None:
    """The acceptance case: a 1024-bit key with e = 65537 (one gcd, about 25 s on one core)."""
    key = private_key("real", 65537)
    messages = [
        ("a.eml", signed(key, 1, "s2015")),
        ("b.eml", signed(key, 2, "s2015")),
        ("c.eml", tamper(signed(key, 3, "s2015"))),  # third: checked cheaply, left out
    ]
    stages: list[str] = []
    keys = recover_keys(samples_of(*messages), progress=lambda stage, _: stages.append(stage))
    assert [(k.dns_name(), k.modulus, k.exponent, k.bits, k.from_items) for k in keys] == [
        ("s2015._domainkey.example.org", modulus(key), 65537, 1024, ("a.eml", "b.eml")),
    ]
    # e = 3 is tried first (cheap), then one big gcd finds the key.
    gcds = [stage for stage in stages if ": gcd" in stage]
    assert [g.split(": ")[1].split(" (")[0] for g in gcds][-1] == "gcd e=65537"
    assert sum("gcd e=65537" in g for g in gcds) == 1
    dnsfunc = dns_answering(*keys)
    assert [dkim.verify(raw, dnsfunc=dnsfunc) for _, raw in messages] == [True, True, False]


# --- real messages (shared reference data) ---------------------------------------------------


@pytest.mark.shared
@pytest.mark.skipif(not LEAK_DATA.is_dir(), reason="shared reference data absent")
def test_real_messages_digest_matches_the_archived_keys() -> None:
    """On real Gmail/Outlook/RFC messages, s^e mod n equals EM(digest) exactly when dkimpy
    says the header signature is valid (body-only edits keep a valid header signature)."""
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    keys = json.loads((LEAK_DATA / "keys.json").read_text())
    expected = json.loads((LEAK_DATA / "expected.json").read_text())["files"]
    checked = 0
    for relative, truth in sorted(expected.items()):
        rsa_truth = [t for t in truth["dkim"] if t["a"].startswith("rsa")]
        samples = signature_samples((LEAK_DATA / relative).read_bytes(), relative)
        assert [(s.domain, s.selector) for s in samples] == [(t["d"], t["s"]) for t in rsa_truth]
        for sample, want in zip(samples, rsa_truth, strict=True):
            txt = keys.get(f"{sample.selector}._domainkey.{sample.domain}")
            if txt is None or not want["bh_match"] and "derived_from" not in truth:
                continue  # no key, or a body failure whose header state nobody recorded
            tags = dict(t.strip().split("=", 1) for t in txt.split(";") if "=" in t)
            public = load_der_public_key(base64.b64decode(tags["p"])).public_numbers()  # type: ignore[union-attr]
            point = keyrecovery._point(sample)
            assert point is not None
            header_valid = pow(int(point.s), public.e, public.n) == int(point.m)
            assert header_valid == (want["ok"] or not want["bh_match"]), relative
            checked += 1
    assert checked >= 25
