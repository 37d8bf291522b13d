"""The cast of the demo leak: the fictional campaign "Avenir Commun" and its correspondents.

Everything here is invented. The campaign lives at `avenir-commun.fr`; every outside party uses a
domain under the reserved `.example` top-level domain so no real organisation is implicated.
This module only describes people and renders the organisation profile (org.toml); it does not
write mail.
"""

from __future__ import annotations

from dataclasses import dataclass

ORG_NAME = "Avenir Commun"
ORG_DOMAIN = "avenir-commun.fr"
ORG_TIMEZONE = "Europe/Paris"


@dataclass(frozen=True)
class Person:
    """Someone who writes or receives mail in the demo."""

    name: str
    email: str
    role: str
    lang: str = "fr"  # the language this person usually writes in: "fr" | "en"
    title: str = ""  # the line under the name in signatures
    zone: str = "paris"  # where their clock is: "paris" | "london" (see context.local_time)

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[1]

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


def _staff(login: str, name: str, role: str, title: str, lang: str = "fr") -> Person:
    return Person(name, f"{login}@{ORG_DOMAIN}", role, lang, title)


STAFF: tuple[Person, ...] = (
    _staff("c.martin", "Claire Martin", "press", "Responsable presse"),
    _staff("j.dubois", "Julien Dubois", "director", "Directeur de campagne"),
    _staff("s.lefevre", "Sophie Lefèvre", "finance", "Trésorière"),
    _staff("m.bernard", "Marc Bernard", "finance", "Mandataire financier"),
    _staff("n.benali", "Nadia Benali", "digital", "Responsable numérique"),
    _staff("t.girard", "Thomas Girard", "logistics", "Logistique et déplacements"),
    _staff("e.roux", "Élodie Roux", "programme", "Coordination du programme"),
    _staff("k.haddad", "Karim Haddad", "field", "Mobilisation terrain"),
    _staff("a.fournier", "Anne Fournier", "legal", "Juriste"),
    _staff("e.wilson", "Emma Wilson", "international", "International press", lang="en"),
    _staff("l.moreau", "Lucas Moreau", "volunteers", "Coordination des bénévoles"),
)


def staff(login: str) -> Person:
    """The staff member whose address starts with `login@`."""
    for person in STAFF:
        if person.email.startswith(login + "@"):
            return person
    raise KeyError(login)


def _ext(
    email: str, name: str, role: str, lang: str = "fr", title: str = "", zone: str = "paris"
) -> Person:
    return Person(name, email, role, lang, title, zone)


# The press office's shared address: it sends the press releases, always through the campaign's
# server, so every one of its messages carries the campaign's DKIM signature.
PRESS_OFFICE = Person("Service presse Avenir Commun", f"presse@{ORG_DOMAIN}", "press")


# Outside correspondents, grouped by what they write about. Each domain signs its mail with the
# demo key named in contrefeu/demo/keys/README.md.
JOURNALISTS: tuple[Person, ...] = (
    _ext("p.durand@gazette.example", "Paul Durand", "press", title="Service politique, La Gazette"),
    _ext("l.petit@gazette.example", "Léa Petit", "press", title="La Gazette"),
    _ext("j.hart@herald.example", "James Hart", "press", "en", "Paris correspondent, The Herald"),
    _ext(
        "s.okafor@herald.example",
        "Sarah Okafor",
        "press",
        "en",
        "Europe desk, The Herald",
        zone="london",
    ),
)
BANK: tuple[Person, ...] = (
    _ext(
        "m.garnier@banque-horizon.example",
        "Michel Garnier",
        "bank",
        title="Conseiller professionnel, Banque Horizon",
    ),
    _ext("service.clients@banque-horizon.example", "Banque Horizon", "bank"),
)
BANK_ALERTS = _ext("alertes@info.banque-horizon.example", "Banque Horizon Alertes", "bank")
BANK_LEGACY = _ext("releves@banque-horizon.example", "Banque Horizon - Relevés", "bank")
PRINTER = _ext(
    "devis@imprimerie-rapide.example", "Patrick Lemoine", "supplier", title="Imprimerie Rapide"
)
VENUE = _ext(
    "reservations@palais-congres.example",
    "Nathalie Caron",
    "supplier",
    title="Palais des Congrès, service événements",
)
MAILER = _ext("notifications@mailer-pro.example", "Mailer Pro", "emailing")
MAILER_BILLING = _ext("facturation@mailer-pro.example", "Mailer Pro Facturation", "emailing")
GAZETTE_NEWSLETTER = _ext("lettre@gazette.example", "La Lettre de la Gazette", "press")
CITIZENS: tuple[Person, ...] = (
    _ext("jean.petit1972@webmail.example", "Jean Petit", "citizen"),
    _ext("marie.lambert@webmail.example", "Marie Lambert", "citizen"),
    _ext("h.nguyen@webmail.example", "Hugo Nguyen", "citizen"),
)
# The address a phishing attempt used, posing as the campaign-finance auditors; the campaign
# answered it with a decoy file (see decoys.py).
PHISHER = _ext("controle@cnccfp-verification.example", "Cellule de contrôle CNCCFP", "phishing")
MISSING_KEY_SENDERS: tuple[tuple[Person, str], ...] = (
    (_ext("contact@collectif-citoyen.example", "Collectif Citoyen", "association"), "default"),
    (_ext("bureau@asso-quartier.example", "Association du Quartier", "association"), "mail"),
)


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_org_toml() -> str:
    """The organisation profile in the contract's format (see DESIGN.md "Organisation profile")."""
    lines = [
        "# Organisation profile of the fictional campaign of the contrefeu demo leak.",
        "[org]",
        f"name = {_toml_string(ORG_NAME)}",
        f"domains = [{_toml_string(ORG_DOMAIN)}]",
        f"timezone = {_toml_string(ORG_TIMEZONE)}",
    ]
    for person in (*STAFF, PRESS_OFFICE):
        lines += [
            "",
            "[[people]]",
            f"name = {_toml_string(person.name)}",
            f"emails = [{_toml_string(person.email)}]",
            f"role = {_toml_string(person.role)}",
        ]
    return "\n".join(lines) + "\n"
