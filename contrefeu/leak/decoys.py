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


# Raw-byte fuzzy hashes only mean something for formats whose bytes are their content: two
# unrelated .docx files (compressed XML of one template) sit within TLSH distance 31.
_RAW_COMPARABLE = frozenset({"text", "html", "rtf", "unknown"})


@dataclass(frozen=True)
class DecoyFile:
    name: str
    sha256: str
    tlsh: str | None            # of the raw bytes, for text-like formats only
    text_tlsh: str | None       # of the extracted text (office files, PDF, ...)


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
            files.append(_decoy_file(str(path.relative_to(folder)), data))
        return cls(tuple(files), tuple(canaries))

    def __bool__(self) -> bool:
        return bool(self.files or self.canaries)

    def match(self, data: bytes, sha256: str, texts: tuple[str, ...] = (),
              text: str | None = None) -> list[Finding]:
        """Findings for an item's bytes, its extracted `text`, and `texts` (body, metadata)."""
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
        best = self._closest(data, text)
        if best is not None and best[0] <= TLSH_MAX_DISTANCE:
            findings.append(Finding(
                "decoy-similar", "high",
                f"This item is a close variant of the decoy file {best[1].name!r} "
                f"(TLSH distance {best[0]} on its {best[2]}; 0 is identical, under "
                f"{TLSH_MAX_DISTANCE} is the same document re-saved or lightly edited).",
            ))
        return findings + self._canaries_in(data, texts)

    def _closest(self, data: bytes, text: str | None) -> tuple[int, DecoyFile, str] | None:
        from contrefeu.leak.docformats import sniff_format

        text_digest = _tlsh(text.encode("utf-8")) if text else None
        raw_digest = _tlsh(data) if sniff_format(data) in _RAW_COMPARABLE else None
        candidates = []
        for decoy in self.files:
            if text_digest and decoy.text_tlsh:
                candidates.append((tlsh.diff(text_digest, decoy.text_tlsh), decoy, "text"))
            elif raw_digest and decoy.tlsh:
                candidates.append((tlsh.diff(raw_digest, decoy.tlsh), decoy, "bytes"))
        return min(candidates, key=lambda c: (c[0], c[1].name), default=None)

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


def _decoy_file(name: str, data: bytes) -> DecoyFile:
    from contrefeu.leak.docformats import sniff_format
    from contrefeu.leak.doctext import extract_text

    fmt = sniff_format(data, name)
    text = extract_text(data, name).text if fmt not in {"image", "zip", "unknown"} else ""
    return DecoyFile(
        name, hashlib.sha256(data).hexdigest(),
        _tlsh(data) if fmt in _RAW_COMPARABLE else None,
        _tlsh(text.encode("utf-8")) if text else None,
    )


def _tlsh(data: bytes) -> str | None:
    if len(data) < 50:
        return None
    digest = tlsh.hash(data)
    return None if digest in ("", "TNULL") else digest
