"""Thread consistency: replies must come after, and quote, the messages they answer.

A forger who invents a reply to a real message has to get three things right that are easy to
get wrong: the reply's Date must follow the original's, the original must exist when the rest of
the thread does, and the quoted text must be the original's text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from contrefeu.model import Finding

CLOCK_SKEW_SECONDS = 10 * 60
MIN_QUOTED_WORDS = 15
QUOTE_MATCH = 0.5

_QUOTE_LINE = re.compile(r"(?m)^[ \t]*>[ \t>]*(.*)$")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class ThreadMessage:
    item_id: int
    path: str
    message_id: str | None
    date_utc: str | None
    in_reply_to: str | None
    references: list[str]


def _shingles(words: list[str], n: int = 3) -> set[str]:
    return {" ".join(words[i : i + n]) for i in range(max(0, len(words) - n + 1))}


def quoted_words(body: str) -> list[str]:
    return _WORD.findall(" ".join(_QUOTE_LINE.findall(body)).lower())


def quote_agreement(reply_body: str, original_body: str) -> float | None:
    """Share of the reply's quoted 3-word runs found in the original; None if it quotes little."""
    quoted = quoted_words(reply_body)
    if len(quoted) < MIN_QUOTED_WORDS:
        return None
    original = _shingles(_WORD.findall(original_body.lower()))
    runs = _shingles(quoted)
    return len(runs & original) / len(runs) if runs else None


def thread_findings(
    messages: Sequence[ThreadMessage], body_of: Callable[[int], str]
) -> dict[int, list[Finding]]:
    """Findings per item id; `body_of(item_id)` loads a body only when a check needs it."""
    by_id: dict[str, ThreadMessage] = {}
    for message in messages:
        if message.message_id and message.message_id not in by_id:
            by_id[message.message_id] = message
    out: dict[int, list[Finding]] = {}
    for message in messages:
        findings = _check(message, by_id, body_of)
        if findings:
            out[message.item_id] = findings
    return out


def _check(
    message: ThreadMessage, by_id: dict[str, ThreadMessage], body_of: Callable[[int], str]
) -> list[Finding]:
    findings: list[Finding] = []
    parent = by_id.get(message.in_reply_to) if message.in_reply_to else None
    if message.in_reply_to and parent is None:
        present = [r for r in message.references if r in by_id and r != message.in_reply_to]
        if present:
            findings.append(
                Finding(
                    "thread-missing-parent",
                    "low",
                    f"This message answers {message.in_reply_to}, which is not in the dump, while "
                    f"{len(present)} earlier message(s) of the same thread are.",
                    related_path=by_id[present[-1]].path,
                )
            )
        return findings
    if parent is None:
        return findings
    if message.date_utc and parent.date_utc:
        gap = (
            datetime.fromisoformat(parent.date_utc) - datetime.fromisoformat(message.date_utc)
        ).total_seconds()
        if gap > CLOCK_SKEW_SECONDS:
            findings.append(
                Finding(
                    "thread-reply-before-original",
                    "medium",
                    f"This reply is dated {message.date_utc}, before the message it answers "
                    f"({parent.date_utc}).",
                    related_path=parent.path,
                )
            )
    agreement = quote_agreement(body_of(message.item_id), body_of(parent.item_id))
    if agreement is not None and agreement < QUOTE_MATCH:
        findings.append(
            Finding(
                "thread-quote-mismatch",
                "medium",
                f"Only {agreement:.0%} of the text this reply quotes is in the message it answers: "
                "the quoted text was not taken from that message.",
                related_path=parent.path,
            )
        )
    return findings
