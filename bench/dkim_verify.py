"""Messages per second: plain dkimpy ``dkim.verify`` against contrefeu's ``verify_message``.

Both run in the same process on the same generated messages (RSA-2048 signed, relaxed/relaxed,
bodies of 5-50 KB), one core each, so the ratio is what the fast path buys. Usage:

    python bench/dkim_verify.py [N]
"""

from __future__ import annotations

import base64
import random
import sys
import time

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contrefeu.leak.dkim import verify_message
from contrefeu.leak.keys import KeyArchive, KeyRecord

WORDS = "campagne réunion budget presse meeting agenda vote tract militants sondage".split()


def make_messages(n: int) -> tuple[list[bytes], KeyArchive, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    txt = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    rng = random.Random(7)
    out = []
    for i in range(n):
        size = rng.randint(5_000, 50_000)
        lines, total = [], 0
        while total < size:
            line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))
            if rng.random() < 0.1:
                line += "   \t "
            lines.append(line)
            total += len(line) + 2
        body = "\r\n".join(lines).encode() + b"\r\n"
        head = (
            f"From: Claire <claire@avenir-commun.fr>\r\nTo: p{i}@example.net\r\n"
            f"Subject: Note {i}\r\nDate: Thu, 02 May 2024 09:00:00 +0200\r\n"
            f"Message-ID: <{i}@avenir-commun.fr>\r\n\r\n"
        ).encode()
        msg = head + body
        sig = dkim.sign(
            msg, b"bench", b"avenir-commun.fr", pem, canonicalize=(b"relaxed", b"relaxed")
        )
        out.append(sig + msg)
    archive = KeyArchive([KeyRecord("bench._domainkey.avenir-commun.fr", txt, "archive:bench")])
    return out, archive, txt


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 500
    messages, archive, txt = make_messages(n)
    size = sum(map(len, messages)) / len(messages)

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes:
        return txt.encode()

    t0 = time.perf_counter()
    ok_plain = sum(bool(dkim.verify(m, dnsfunc=dnsfunc)) for m in messages)
    plain = n / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    ok_fast = sum(verify_message(m, archive).signatures[0].result == "pass" for m in messages)
    fast = n / (time.perf_counter() - t0)

    print(f"messages: {n}, mean size {size / 1024:.1f} KB, one core")
    print(f"dkimpy dkim.verify     : {plain:8.1f} msg/s  ({ok_plain} pass)")
    print(f"contrefeu verify_message: {fast:8.1f} msg/s  ({ok_fast} pass, every signature + ARC)")
    print(f"ratio                  : {fast / plain:8.2f}x")
    return 0 if ok_plain == ok_fast == n else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
