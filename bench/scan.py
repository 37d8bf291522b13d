"""Scan throughput against a plain dkimpy loop, measured in the same run.

    python bench/scan.py [--messages 5000] [--workers N] [--rounds 3] [--keep DIR]

Generates N DKIM-signed messages (5-50 KB, a third with an attachment; RSA-2048,
c=relaxed/relaxed) with a fresh key, then times (a) a plain single-process loop of `dkim.verify`
over the files and (b) `contrefeu leak scan` on the same folder with all workers (which also
parses, hashes, extracts attachments, triages and indexes everything), back to back, for a few
rounds. Prints messages/s for both, each round's ratio and their median, and the scan's peak
memory (largest process RSS, scan process and its workers).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contrefeu.leak.keys import txt_record_for

SYLLABLES = ("ca", "pa", "gne", "réu", "nion", "bu", "dget", "pre", "sse", "pro", "gram", "me",
             "mee", "ting", "in", "voi", "ce", "lo", "gis", "tic", "sal", "le", "tra", "can",
             "di", "dat", "po", "li", "cy", "dra", "ft", "a", "gen", "da", "vo", "lun", "té",
             "rs", "ral", "ly", "fon", "dé", "bat", "son", "da", "ge", "ré", "gion")
# A Zipf-distributed vocabulary of 5,000 words: texts share common words but are not
# near-duplicates of each other, as in real mail (a tiny vocabulary would make every
# message a near-duplicate of every other and measure a case no dump has).
_VOCAB_RNG = random.Random(5)
WORDS = sorted({"".join(_VOCAB_RNG.choices(SYLLABLES, k=_VOCAB_RNG.randint(1, 4)))
                for _ in range(8000)})[:5000]
_VOCAB_RNG.shuffle(WORDS)
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]
DOMAIN, SELECTOR = "bench-sender.example", "bench2048"


def _key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, txt_record_for(key.public_key())


def _message(n: int, rng: random.Random) -> bytes:
    size = rng.randint(5_000, 50_000)
    when = datetime(2017, 3, 1, tzinfo=UTC) + timedelta(minutes=37 * n)
    text_words: list[str] = []
    length = 0
    while length < size * 0.6:
        batch = rng.choices(WORDS, weights=WEIGHTS, k=200)
        text_words.extend(batch)
        length += sum(len(w) + 1 for w in batch)
    lines = [" ".join(text_words[i:i + 12]) for i in range(0, len(text_words), 12)]
    boundary = f"=_bench_{n}"
    attachment = base64.encodebytes(rng.randbytes(int(size * 0.3))).decode()
    head = (
        f"From: Sender {n % 50} <s{n % 50}@{DOMAIN}>\r\nTo: staff@campaign.example\r\n"
        f"Subject: message {n}\r\nDate: {format_datetime(when)}\r\n"
        f"Message-ID: <{n}.bench@{DOMAIN}>\r\nMIME-Version: 1.0\r\n"
    )
    if n % 3:
        body = "\r\n".join(lines) + "\r\n"
        return (head + "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + body).encode()
    return (
        head + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + "\r\n".join(lines) + "\r\n"
        f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
        f'Content-Disposition: attachment; filename="data{n}.bin"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + attachment.replace("\n", "\r\n")
        + f"--{boundary}--\r\n"
    ).encode()


def _sign_range(args: tuple[int, int, bytes, str]) -> None:
    start, stop, pem, folder = args
    rng = random.Random(start)
    for n in range(start, stop):
        raw = _message(n, rng)
        # relaxed/relaxed, as the large providers sign (Gmail, Outlook.com, Yahoo); dkimpy's
        # default, relaxed/simple, is rarer in real mail and cheaper to verify.
        sig = dkim.sign(raw, SELECTOR.encode(), DOMAIN.encode(), pem,
                        canonicalize=(b"relaxed", b"relaxed"),
                        include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        Path(folder, f"{n:06d}.eml").write_bytes(sig + raw)


def generate(folder: Path, count: int) -> Path:
    pem, txt = _key()
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [(i, min(i + 250, count), pem, str(folder)) for i in range(0, count, 250)]
    with ProcessPoolExecutor() as pool:
        list(pool.map(_sign_range, chunks))
    keys = folder.parent / "keys.json"
    keys.write_text(json.dumps({f"{SELECTOR}._domainkey.{DOMAIN}": txt}))
    return keys


def plain_dkimpy(folder: Path, keys: Path) -> tuple[float, int]:
    records = {k.encode() + b".": v.encode() for k, v in json.loads(keys.read_text()).items()}

    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        return records.get(name if name.endswith(b".") else name + b".")

    files = sorted(folder.glob("*.eml"))
    started = time.perf_counter()
    ok = sum(bool(dkim.verify(f.read_bytes(), dnsfunc=dnsfunc)) for f in files)
    return time.perf_counter() - started, ok


_MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
    "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def contrefeu_scan(folder: Path, keys: Path, case: Path, workers: int | None) -> tuple[float, int]:
    """Seconds of a scan, and the largest RSS (KiB) of the scan process and its workers."""
    command = [sys.executable, "-m", "contrefeu", "leak", "scan", str(folder), "--case",
               str(case), "--keys", str(keys)]
    if workers:
        command += ["--workers", str(workers)]
    started = time.perf_counter()
    # A fresh parent process, so its children's peak RSS is the scan's alone.
    out = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True,
                         capture_output=True, text=True)
    return time.perf_counter() - started, int(out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3,
                        help="(a) then (b), this many times: the median ratio is the result")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        folder = root / "dump"
        print(f"generating {args.messages} signed messages ...", flush=True)
        keys = generate(folder, args.messages)
        size = sum(f.stat().st_size for f in folder.glob("*.eml"))
        print(f"  {size / 1e6:.1f} MB in {folder}")
        workers = args.workers or len(os.sched_getaffinity(0))
        # The machines this runs on are shared and their speed drifts by tens of percent
        # within minutes: each round times both, back to back, and the ratios are compared.
        ratios, peaks = [], []
        for round_ in range(1, args.rounds + 1):
            dkimpy_s, ok = plain_dkimpy(folder, keys)
            case = root / f"case-{round_}.db"
            scan_s, peak_kb = contrefeu_scan(folder, keys, case, args.workers)
            ratios.append(dkimpy_s / scan_s)
            peaks.append(peak_kb)
            print(f"round {round_}: (a) plain dkimpy loop, 1 process: "
                  f"{args.messages / dkimpy_s:5.0f} messages/s ({ok} pass); "
                  f"(b) contrefeu leak scan, {workers} workers: {args.messages / scan_s:5.0f} "
                  f"messages/s; ratio {ratios[-1]:.2f}x", flush=True)
        print(f"ratio scan/dkimpy (median of {args.rounds} rounds): "
              f"{statistics.median(ratios):.2f}x")
        print(f"scan peak memory (largest process RSS): {max(peaks) / 1024:.0f} MB")
        again, _ = contrefeu_scan(folder, keys, case, args.workers)
        print(f"second scan of the same dump: {again:.2f} s ({again / scan_s:.1%} of the first)")


if __name__ == "__main__":
    main()
