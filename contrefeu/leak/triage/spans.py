"""The results of the sensitivity triage: `Triage` (level, categories, evidence), its `Span`s
and `Secret`s, and the internal `Find` that detectors produce before overlap resolution and
escalation. Data only: the detectors are in the sibling modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LEVELS: tuple[str, ...] = ("none", "low", "medium", "high", "critical")
RANK: dict[str, int] = {name: i for i, name in enumerate(LEVELS)}
# A hostile text could hold millions of candidates; past this many of one family the item is
# already as bad as it gets, so detection of that family stops (documented limit).
MAX_PER_FAMILY = 5000
PREVIEW_CHARS = 80


@dataclass(frozen=True)
class Span:
    """One sensitive thing in the text, at `text[start:end]`."""

    start: int
    end: int
    kind: str
    category: str
    severity: str
    value_preview: str  # safe to show a reviewer: secrets and card-like numbers are masked

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, built by hand: asdict recurses and deep-copies every
        field, ten times the cost for a record of plain strings and integers."""
        return {
            "start": self.start, "end": self.end, "kind": self.kind,
            "category": self.category, "severity": self.severity,
            "value_preview": self.value_preview,
        }  # fmt: skip


@dataclass(frozen=True)
class Secret:
    """A credential found in the text: only the SHA-256 of its value is kept."""

    kind: str
    secret_sha256: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, built by hand (see `Span.to_dict`)."""
        return {
            "kind": self.kind, "secret_sha256": self.secret_sha256, "start": self.start,
            "end": self.end,
        }  # fmt: skip


@dataclass(frozen=True)
class Triage:
    """The verdict of the triage on one text: a level, its categories and the evidence."""

    level: str
    categories: list[str]
    spans: list[Span]
    secrets: list[Secret]

    def to_export(self) -> dict[str, Any]:
        """The `sensitivity` field of the export contract."""
        return {"level": self.level, "categories": list(self.categories)}


# Overlap priority (lower wins): a phone number inside an IBAN is part of the IBAN.
FIND_RANK = {
    "private-key": 0, "api-token": 1, "password": 2, "card": 3, "iban": 4, "nir": 5,
    "national-id": 6, "vat-number": 7, "bic": 8, "amount": 9, "date-of-birth": 10,
    "email": 11, "postal-address": 12, "phone": 13, "keyword": 14,
}  # fmt: skip


@dataclass
class Find:
    """A candidate span before overlap resolution and escalation (keywords excepted: they
    are plain tuples until they are kept, see `levels.py`)."""

    start: int
    end: int
    kind: str
    category: str
    severity: str
    preview: str
    rank: int  # overlap priority: lower wins
    counted: bool = True  # counts towards the personal-data escalation
    value: str = ""  # normalised value, for distinct counts
    secret: Secret | None = None


def preview(text: str) -> str:
    """`text` on one line, cut to `PREVIEW_CHARS`."""
    if len(text) <= PREVIEW_CHARS and text.isprintable() and "  " not in text:
        if text[:1] != " " and text[-1:] != " ":
            return text  # already one line of single spaces (the usual case)
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"
