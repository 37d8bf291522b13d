"""The key-recovery step of a scan: recover unknown DKIM keys, then re-judge their messages.

Recovering a 2048-bit modulus takes tens of seconds per selector, so this runs as its own step
(`contrefeu leak recover-keys`) after the scan, from the signature samples the scan stored; it
never needs to re-read the evidence.

A recovered key only shows that several messages were signed by one key. It is not evidence
that the key belongs to the domain, so it never makes a message `authentic` on its own; it
does when its modulus equals a key of a trusted archive (published under another name).
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa, utils

from contrefeu.leak.crossitem import recombine
from contrefeu.leak.keyrecovery import RecoveredKey, SignatureSample, recover_key
from contrefeu.leak.keys import KeyArchive
from contrefeu.leak.verdict import aligned
from contrefeu.model import Finding
from contrefeu.store import Case

Progress = Callable[[str, float], None]


@dataclass
class RecoveryOutcome:
    name: str
    bits: int | None
    signatures: int
    consistent: int
    inconsistent: int
    matches_archive: str | None


def _archived_moduli(archive: KeyArchive) -> dict[int, str]:
    moduli: dict[int, str] = {}
    for record in archive.records():
        tags = dict(part.strip().split("=", 1) for part in record.txt.split(";") if "=" in part)
        if tags.get("k", "rsa").strip() != "rsa" or not tags.get("p"):
            continue
        try:
            der = base64.b64decode("".join(tags["p"].split()))
            key = serialization.load_der_public_key(der)
        except (ValueError, TypeError):
            continue
        if isinstance(key, rsa.RSAPublicKey):
            moduli[key.public_numbers().n] = f"{record.name} ({record.source})"
    return moduli


def _signature_ok(key: RecoveredKey, algorithm: str, signature: bytes, digest: bytes) -> bool:
    public = rsa.RSAPublicNumbers(key.exponent, key.modulus).public_key()
    chosen = hashes.SHA1() if algorithm.endswith("sha1") else hashes.SHA256()
    try:
        public.verify(signature, digest, padding.PKCS1v15(), utils.Prehashed(chosen))
    except InvalidSignature:
        return False
    return True


def recover_case_keys(
    case: Case, *, archives: Sequence[Path] = (), progress: Progress | None = None,
    max_selectors: int = 20,
) -> list[RecoveryOutcome]:
    """Recover every selector's key that the scan found unknown, and re-judge its messages."""
    trusted = KeyArchive.bundled()
    for path in archives:
        trusted = trusted.merged(KeyArchive.from_file(path))
    moduli = _archived_moduli(trusted)
    groups: dict[tuple[str, str], list] = defaultdict(list)  # type: ignore[type-arg]
    for row in case.conn.execute(
        """SELECT k.*, i.path, i.from_addr FROM key_samples k JOIN items i ON i.id = k.item_id
           ORDER BY k.domain, k.selector, i.path"""
    ):
        groups[(row["domain"], row["selector"])].append(row)
    outcomes = []
    # Each attempt costs tens of seconds whether or not it succeeds, and a hostile dump can
    # hold many selectors with a few fake signatures each: the best-supported selectors go
    # first and at most `max_selectors` are tried.
    candidates = sorted(
        ((key, rows) for key, rows in groups.items()
         if len({bytes(r["signature"]) for r in rows}) >= 2),
        key=lambda pair: (-len(pair[1]), pair[0]),
    )
    for (domain, selector), rows in sorted(candidates[:max_selectors]):
        distinct = {bytes(r["signature"]): r for r in rows}
        samples = [
            SignatureSample(
                domain,
                selector,
                r["algorithm"],
                bytes(r["signature"]),
                bytes(r["digest"]),
                r["path"],
            )
            for r in distinct.values()
        ]
        name = f"{selector}._domainkey.{domain}"

        def step(stage: str, fraction: float, name: str = name) -> None:
            if progress:
                progress(f"{name}: {stage}", fraction)

        key = recover_key(samples, progress=step)
        if key is None:
            outcomes.append(RecoveryOutcome(name, None, len(samples), 0, 0, None))
            continue
        matches = moduli.get(key.modulus)
        case.save_recovered_key(name, key.txt_record(), key.bits, list(key.from_items), matches)
        outcomes.append(_rejudge(case, key, rows, matches))
    _write_archive_file(case)
    return outcomes


def _rejudge(case: Case, key: RecoveredKey, rows: list, matches: str | None) -> RecoveryOutcome:  # type: ignore[type-arg]
    name = key.dns_name()
    consistent = 0
    with case.conn:
        for row in rows:
            ok = _signature_ok(key, row["algorithm"], bytes(row["signature"]), bytes(row["digest"]))
            body_ok = row["body_hash_ok"] != 0
            consistent += int(ok and body_ok)
            findings = _judgement(key, ok, body_ok, matches, row["from_addr"], len(rows))
            case.set_item_findings(row["item_id"], "keys", findings)
        recombine(case)
    return RecoveryOutcome(name, key.bits, len(rows), consistent, len(rows) - consistent, matches)


def _judgement(
    key: RecoveredKey,
    ok: bool,
    body_ok: bool,
    matches: str | None,
    from_addr: str | None,
    count: int,
) -> list[Finding]:
    name = f"d={key.domain} s={key.selector}"
    if ok and body_ok:
        findings = [
            Finding(
                "dkim-consistent-with-recovered-key",
                "info",
                f"The signature {name} is consistent with the {key.bits}-bit RSA key recovered from "
                f"{len(key.from_items)} messages in this dump ({count} signatures of this "
                "selector). This shows one key signed them all; it does not prove the key belongs "
                "to the domain.",
            )
        ]
        from_domain = (from_addr or "").rpartition("@")[2].lower()
        if matches and aligned(key.domain, from_domain):
            findings.append(
                Finding(
                    "dkim-recovered-key-archived",
                    "info",
                    f"The recovered key is the archived key {matches}: the signature is valid with "
                    "a trusted key.",
                )
            )
        return findings
    what = "the body changed after signing" if ok else "the signed headers do not match"
    return [
        Finding(
            "dkim-inconsistent-with-recovered-key",
            "high",
            f"The signature {name} fails against the key recovered from {len(key.from_items)} "
            f"other messages of this dump: {what}.",
        )
    ]


def recovered_archive(case: Case) -> list[dict[str, str]]:
    """The case's recovered keys in the key-archive contract's list form."""
    return [
        {
            "name": k["name"],
            "txt": k["txt"],
            "source": f"recovered from {len(k['from_items'])} signatures in this dump",
        }
        for k in case.recovered_keys()
    ]


def _write_archive_file(case: Case) -> None:
    """Recovered keys as a key archive file in the case folder, ready for `--keys`."""
    keys = recovered_archive(case)
    if not keys:
        return
    case.files_dir.mkdir(parents=True, exist_ok=True)
    (case.files_dir / "recovered-keys.json").write_text(json.dumps(keys, indent=2) + "\n")
