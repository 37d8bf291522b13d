"""Document metadata forensics across the dump: who wrote the documents, with what, when.

Metadata is extracted per item (`leak/docmeta.py`); here it is judged against the population:
the organisation's people (org profile), the names and tools the dump's other documents show,
and the dates of the mail that carried them. In MacronLeaks some planted office files carried
Cyrillic "last modified by" names that nobody in the campaign had: that is the kind of outlier
this module surfaces. Each finding is evidence to weigh, not a verdict by itself.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from contrefeu.model import Finding
from contrefeu.org import OrgProfile

RARE_SHARE = 0.05  # a tool or language used by under 5% of the documents is rare
MIN_POPULATION = 8  # below this the dump says nothing about what is usual
MODIFIED_AFTER_SLACK = timedelta(hours=1)
PEOPLE_FIELDS = ("author", "last_modified_by")


@dataclass
class DocFacts:
    item_id: int
    path: str
    meta: dict[str, Any]
    carried_at: str | None = None  # date_utc of the email that carried it, for attachments


def script_of(text: str) -> str | None:
    """The main Unicode script of a name ('Latin', 'Cyrillic', ...), from character names."""
    scripts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        try:
            scripts[unicodedata.name(ch).split(" ", 1)[0]] += 1
        except ValueError:
            continue
    return scripts.most_common(1)[0][0].title() if scripts else None


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _norm_name(name: str) -> str:
    return " ".join(name.lower().split())


def _primary_language(tag: str) -> str:
    return tag.lower().replace("_", "-").split("-")[0]


def doc_findings(
    docs: Sequence[DocFacts], org: OrgProfile, last_mail_utc: str | None
) -> dict[int, list[Finding]]:
    """Findings per item id for documents whose metadata stands out."""
    names: Counter[str] = Counter()
    scripts: Counter[str] = Counter()
    tools: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    for doc in docs:
        for name in _people(doc.meta):
            names[_norm_name(name)] += 1
            script = script_of(name)
            if script:
                scripts[script] += 1
        if doc.meta.get("application"):
            tools[str(doc.meta["application"]).lower()] += 1
        for language in {_primary_language(t) for t in doc.meta.get("languages") or []}:
            languages[language] += 1
    org_names = {_norm_name(p.name) for p in org.people if p.name}
    org_scripts = {s for s in (script_of(p.name) for p in org.people if p.name) if s}
    usual_scripts = org_scripts or {
        s for s, n in scripts.items() if n / max(1, sum(scripts.values())) > 0.5
    }
    population = len(docs)
    last_mail = _parse_time(last_mail_utc)
    out: dict[int, list[Finding]] = {}
    for doc in docs:
        findings = _people_findings(doc, usual_scripts, org_names, names)
        if population >= MIN_POPULATION:
            findings += _rarity_findings(doc, tools, languages, population)
        findings += _time_findings(doc, last_mail)
        if findings:
            out[doc.item_id] = findings
    return out


def _people(meta: dict[str, Any]) -> list[str]:
    return [str(meta[f]) for f in PEOPLE_FIELDS if meta.get(f) and str(meta[f]).strip()]


def _people_findings(
    doc: DocFacts, usual_scripts: set[str], org_names: set[str], names: Counter[str]
) -> list[Finding]:
    findings = []
    for field in PEOPLE_FIELDS:
        value = doc.meta.get(field)
        if not value or not str(value).strip():
            continue
        value = str(value).strip()
        label = field.replace("_", " ")
        script = script_of(value)
        if script and usual_scripts and script not in usual_scripts:
            findings.append(
                Finding(
                    "docmeta-foreign-script",
                    "medium",
                    f"The document's {label} is {value!r}, a name in {script} script; the "
                    f"organisation's names are in {', '.join(sorted(usual_scripts))} script.",
                )
            )
        elif org_names and _norm_name(value) not in org_names and names[_norm_name(value)] <= 1:
            findings.append(
                Finding(
                    "docmeta-unknown-person",
                    "low",
                    f"The document's {label} is {value!r}: nobody of that name is in the "
                    "organisation profile or in any other document of the dump.",
                )
            )
    return findings


def _rarity_findings(
    doc: DocFacts, tools: Counter[str], languages: Counter[str], population: int
) -> list[Finding]:
    findings = []
    rare_count = max(1.0, RARE_SHARE * population)  # a single document is rare in a small dump
    tool = doc.meta.get("application")
    if tool and tools[str(tool).lower()] <= rare_count:
        findings.append(
            Finding(
                "docmeta-rare-tool",
                "low",
                f"The document was produced with {tool!r}, which only "
                f"{tools[str(tool).lower()]} of the dump's {population} documents show.",
            )
        )
    common = {lang for lang, n in languages.items() if n > rare_count}
    rare = sorted({_primary_language(t) for t in doc.meta.get("languages") or []} - common)
    if rare and common:
        findings.append(
            Finding(
                "docmeta-foreign-language",
                "low",
                f"The document is tagged with language(s) {', '.join(rare)}, unlike the dump's "
                f"documents ({', '.join(sorted(common))}).",
            )
        )
    return findings


def _time_findings(doc: DocFacts, last_mail: datetime | None) -> list[Finding]:
    findings = []
    modified = _parse_time(doc.meta.get("modified"))
    created = _parse_time(doc.meta.get("created"))
    carried = _parse_time(doc.carried_at)
    if modified and carried and modified - carried > MODIFIED_AFTER_SLACK:
        findings.append(
            Finding(
                "docmeta-modified-after-sent",
                "high",
                f"The document was last modified on {modified.isoformat()}, after the email that "
                f"carries it was sent ({carried.isoformat()}): the attachment was replaced or edited "
                "after the fact.",
            )
        )
    if created and last_mail and created - last_mail > MODIFIED_AFTER_SLACK:
        findings.append(
            Finding(
                "docmeta-created-after-dump",
                "medium",
                f"The document was created on {created.isoformat()}, after the last email of the "
                f"dump ({last_mail.isoformat()}): it cannot come from the stolen mailboxes.",
            )
        )
    return findings
