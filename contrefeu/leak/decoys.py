"""Decoys: the organisation's own bait, recognised when it comes back in a leak.

`--decoys DIR` holds the decoy files the organisation planted for the phishers, and
`DIR/canaries.txt` canary strings (one per line). An item matches a decoy exactly (SHA-256),
approximately (TLSH distance: a decoy re-saved or lightly edited), or by containing a canary in
its text, metadata or raw bytes. `decoy` wins over `authentic`: a validly signed mail carrying a
canary is exactly the bait coming back, which the desk must know.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import tlsh

from contrefeu.errors import UsageError
from contrefeu.model import Finding

CANARIES_FILE = "canaries.txt"
TLSH_MAX_DISTANCE = 80  # below ~100 TLSH calls files similar; 80 keeps unrelated office files out
MIN_CANARY_LENGTH = 6  # shorter strings would match ordinary text


@dataclass(frozen=True)
class DecoyFile:
    name: str
    sha256: str
    tlsh: str | None


@dataclass(frozen=True)
class DecoySet:
    files: tuple[DecoyFile, ...] = ()
    canaries: tuple[str, ...] = ()

    @classmethod
    def from_dir(cls, folder: Path) -> DecoySet:
        if not folder.is_dir():
            raise UsageError(f"decoys folder not found: {folder}")
        files = []
        canaries: list[str] = []
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            data = path.read_bytes()
            if path.name == CANARIES_FILE:
                canaries.extend(_canaries(data.decode("utf-8", errors="replace"), path))
                continue
            files.append(
                DecoyFile(
                    str(path.relative_to(folder)), hashlib.sha256(data).hexdigest(), _tlsh(data)
                )
            )
        return cls(tuple(files), tuple(canaries))

    def __bool__(self) -> bool:
        return bool(self.files or self.canaries)

    def match(self, data: bytes, sha256: str, texts: tuple[str, ...] = ()) -> list[Finding]:
        """Findings for an item's bytes and texts (body, extracted text, metadata values)."""
        findings = []
        for decoy in self.files:
            if decoy.sha256 == sha256:
                findings.append(
                    Finding(
                        "decoy-exact",
                        "high",
                        f"This item is byte-identical to the decoy file {decoy.name!r}.",
                    )
                )
                return findings + self._canaries_in(data, texts)
        digest = _tlsh(data)
        if digest:
            best = min(
                ((tlsh.diff(digest, d.tlsh), d) for d in self.files if d.tlsh),
                default=None,
                key=lambda pair: pair[0],
            )
            if best is not None and best[0] <= TLSH_MAX_DISTANCE:
                findings.append(
                    Finding(
                        "decoy-similar",
                        "high",
                        f"This item is a close variant of the decoy file {best[1].name!r} "
                        f"(TLSH distance {best[0]}; 0 is identical, under {TLSH_MAX_DISTANCE} is "
                        "the same document re-saved or lightly edited).",
                    )
                )
        return findings + self._canaries_in(data, texts)

    def _canaries_in(self, data: bytes, texts: tuple[str, ...]) -> list[Finding]:
        found = []
        lowered = [t.lower() for t in texts if t]
        for canary in self.canaries:
            needle = canary.lower()
            where = None
            if any(needle in t for t in lowered):
                where = "its text or metadata"
            elif canary.encode("utf-8") in data or canary.encode("utf-16-le") in data:
                where = "its raw bytes"
            if where:
                found.append(
                    Finding(
                        "decoy-canary",
                        "high",
                        f"The canary string «{canary}» from the organisation's canaries appears in "
                        f"{where}: this is the organisation's own bait.",
                    )
                )
        return found


def _canaries(text: str, path: Path) -> list[str]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if len(line) < MIN_CANARY_LENGTH:
            raise UsageError(
                f"{path}:{number}: canary {line!r} is shorter than {MIN_CANARY_LENGTH} "
                "characters and would match ordinary text"
            )
        out.append(line)
    return out


def _tlsh(data: bytes) -> str | None:
    if len(data) < 50:
        return None
    digest = tlsh.hash(data)
    return None if digest in ("", "TNULL") else digest
