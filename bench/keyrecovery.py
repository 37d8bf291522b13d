"""Seconds to recover a DKIM RSA key (e = 65537) from 2 and 3 signatures.

For each key size, generates a key, signs messages with dkimpy, extracts the samples with
`signature_samples` and times `recover_key`, split into its stages (the powers s^e, the gcd,
the rest) from the progress callback. Checks that the recovered modulus is the right one.

    python bench/keyrecovery.py [--bits 1024 2048] [--signatures 2 3] [--tampered] [--real]

--tampered adds a 3-signature case whose first message was edited after signing (the first
gcd fails, a second one finds the key). --real recovers Gmail's 2012 key (s=20120113) from two
real messages of the shared reference data (../shared/data/leak beside the repository).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contrefeu.leak.keyrecovery import SignatureSample, recover_key, signature_samples

ROOT = Path(__file__).resolve().parents[1]
LEAK_DATA = ROOT.parent / "shared" / "data" / "leak"
REAL_MESSAGES = ("real/hunter-meeting-for-coffee-2015.eml", "real/petertodd-timestamped-2014.eml")


def signed_samples(key: rsa.RSAPrivateKey, count: int, tamper_first: bool) -> list[SignatureSample]:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    samples = []
    for i in range(count):
        raw = (
            f"From: Claire <c.martin@avenir-commun.fr>\r\nTo: press{i}@example.net\r\n"
            f"Subject: Communique {i}\r\nMessage-ID: <{i}@avenir-commun.fr>\r\n\r\n"
            f"Texte du communique numero {i}.\r\n"
        ).encode()
        raw = dkim.sign(raw, b"s2016", b"avenir-commun.fr", pem) + raw
        if tamper_first and i == 0:
            raw = raw.replace(b"Subject: Communique", b"Subject: Communique URGENT")
        samples.extend(signature_samples(raw, f"bench/{i}.eml"))
    return samples


def timed(samples: list[SignatureSample]) -> tuple[int | None, float, dict[str, float]]:
    """recover_key's modulus, wall seconds, and seconds per stage kind."""
    stages: dict[str, float] = {}
    last = [time.perf_counter(), "start"]

    def progress(stage: str, fraction: float) -> None:
        now = time.perf_counter()
        kind = str(last[1]).split(" ")[0]
        stages[kind] = stages.get(kind, 0.0) + now - float(last[0])
        last[:] = [now, stage]

    start = time.perf_counter()
    key = recover_key(samples, progress=progress)
    return (key.modulus if key else None), time.perf_counter() - start, stages


def report(label: str, expected: int, samples: list[SignatureSample]) -> bool:
    found, seconds, stages = timed(samples)
    ok = found == expected
    detail = "  ".join(f"{k} {v:6.1f}s" for k, v in stages.items() if k in ("power", "gcd"))
    print(f"{label:<34} {seconds:7.1f} s   {detail}   {'ok' if ok else 'WRONG'}", flush=True)
    return ok


def real_case() -> bool:
    if not LEAK_DATA.is_dir():
        print("real: shared reference data absent, skipped")
        return True
    samples = []
    for relative in REAL_MESSAGES:
        samples.extend(signature_samples((LEAK_DATA / relative).read_bytes(), relative))
    txt = json.loads((LEAK_DATA / "keys.json").read_text())["20120113._domainkey.gmail.com"]
    der = base64.b64decode(txt.split("p=", 1)[1])
    public = serialization.load_der_public_key(der)
    assert isinstance(public, rsa.RSAPublicKey)
    return report("gmail.com s=20120113, 2 real msgs", public.public_numbers().n, samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, nargs="+", default=[1024, 2048])
    parser.add_argument("--signatures", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--tampered", action="store_true")
    parser.add_argument("--real", action="store_true")
    args = parser.parse_args()
    print(f"{'case':<34} {'total':>9}   stages (one core, gmpy2 {_gmp_version()})")
    ok = True
    for bits in args.bits:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        n = key.public_key().public_numbers().n
        for count in args.signatures:
            ok &= report(f"{bits}-bit, {count} signatures", n, signed_samples(key, count, False))
        if args.tampered:
            ok &= report(f"{bits}-bit, 3 signatures, 1st tampered", n, signed_samples(key, 3, True))
    if args.real:
        ok &= real_case()
    return 0 if ok else 1


def _gmp_version() -> str:
    import gmpy2

    return str(gmpy2.mp_version())


if __name__ == "__main__":
    sys.exit(main())
