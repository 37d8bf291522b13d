"""The organisation profile (`--org ORG.toml`): who the organisation is, which domains are its own.

Read by every capability: the leak scan (staff addresses, timezone), the domain watch (protected
domains and brands), the inbox checks. Unknown keys are ignored with a warning; missing keys take
defaults, so a profile can start as two lines.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from contrefeu.errors import UsageError

_ORG_KEYS = {"name", "domains", "brands", "timezone"}
_PERSON_KEYS = {"name", "emails", "role"}


@dataclass(frozen=True)
class Person:
    name: str
    emails: tuple[str, ...] = ()
    role: str | None = None


@dataclass(frozen=True)
class OrgProfile:
    name: str = ""
    domains: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    timezone: str = "UTC"
    people: tuple[Person, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def person_by_email(self, address: str) -> Person | None:
        address = address.strip().lower()
        for person in self.people:
            if address in person.emails:
                return person
        return None

    def owns_domain(self, domain: str) -> bool:
        """True for one of the organisation's domains or a subdomain of one."""
        domain = domain.strip().lower().rstrip(".")
        return any(domain == d or domain.endswith("." + d) for d in self.domains)


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"org profile: {where} must be a list of strings")
    return tuple(v.strip().lower() for v in value if v.strip())


def parse_org(data: dict[str, object]) -> OrgProfile:
    """Build a profile from parsed TOML; unknown keys become warnings, not errors."""
    warnings: list[str] = []
    org = data.get("org", {})
    if not isinstance(org, dict):
        raise UsageError("org profile: [org] must be a table")
    for key in sorted(set(data) - {"org", "people"}):
        warnings.append(f"unknown top-level key {key!r} ignored")
    for key in sorted(set(org) - _ORG_KEYS):
        warnings.append(f"unknown key org.{key} ignored")
    people: list[Person] = []
    raw_people = data.get("people", [])
    if not isinstance(raw_people, list):
        raise UsageError("org profile: people must be an array of tables ([[people]])")
    for n, entry in enumerate(raw_people, 1):
        if not isinstance(entry, dict):
            raise UsageError(f"org profile: people #{n} must be a table")
        for key in sorted(set(entry) - _PERSON_KEYS):
            warnings.append(f"unknown key people[{n}].{key} ignored")
        role = entry.get("role")
        people.append(
            Person(
                name=str(entry.get("name", "")).strip(),
                emails=_str_list(entry.get("emails", []), f"people #{n} emails"),
                role=str(role) if role is not None else None,
            )
        )
    timezone = org.get("timezone", "UTC")
    return OrgProfile(
        name=str(org.get("name", "")).strip(),
        domains=_str_list(org.get("domains", []), "org.domains"),
        brands=_str_list(org.get("brands", []), "org.brands"),
        timezone=str(timezone),
        people=tuple(people),
        warnings=tuple(warnings),
    )


def load_org(path: Path | None) -> OrgProfile:
    """Read ORG.toml; None gives an empty profile."""
    if path is None:
        return OrgProfile()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"org profile not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"org profile {path} is not valid TOML: {exc}") from None
    return parse_org(data)
