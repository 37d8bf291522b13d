"""The planted folder: documents added to the dump that never were in the campaign's mail.

As with some MacronLeaks files, they imitate the campaign's paperwork (French text, the
director's name as author) but their metadata betrays them: last saved by someone writing in
Cyrillic script, with a Russian-language LibreOffice nobody at the campaign used, text tagged
ru-RU, and created after the last message of the stolen mailboxes. No email carries them.
Every name and figure is invented.
"""

from __future__ import annotations

from datetime import UTC, datetime

from contrefeu.demo import documents
from contrefeu.demo.context import LooseFile, paris
from contrefeu.demo.documents import FOREIGN_OFFICE

FOLDER = "j.dubois/Transfert"
EDITORS = ("Георгий Петров", "Олег Смирнов")


def _at(day: int, hour: int) -> datetime:
    return paris(datetime(2017, 6, day, hour, tzinfo=UTC))


def planted_files(size: str) -> list[LooseFile]:
    """The planted folder's files (five; the small build keeps four)."""
    docs: list[tuple[str, bytes, datetime, str]] = []
    created, saved = _at(2, 9), _at(3, 16)
    docs.append(
        (
            "note-virements-avril.docx",
            documents.make_docx(
                "Note interne — virements d'avril",
                [
                    "Les virements vers les comptes de l'association de soutien ont été "
                    "effectués conformément aux instructions du directeur de campagne.",
                    "Montant total : 2 300 000 euros, répartis sur quatre comptes à l'étranger.",
                    "Ces opérations ne doivent pas apparaître dans le compte de campagne.",
                ],
                author="Julien Dubois",
                modified_by=EDITORS[0],
                created=created,
                when=saved,
                tool=FOREIGN_OFFICE,
                revision=2,
            ),
            saved,
            "last saved by a Cyrillic-script name",
        )
    )
    created, saved = _at(2, 11), _at(4, 10)
    docs.append(
        (
            "comptes-etranger.xlsx",
            documents.make_xlsx(
                "Comptes",
                [
                    ["Banque", "Pays", "Solde (EUR)"],
                    ["Banque Horizon Ltd", "Chypre", 780000],
                    ["Horizon Private", "Luxembourg", 1120000],
                    ["BH Trust", "Bahamas", 400000],
                ],
                author=EDITORS[0],
                created=created,
                when=saved,
                tool=FOREIGN_OFFICE,
            ),
            saved,
            "author and last saved by a Cyrillic-script name",
        )
    )
    created, saved = _at(3, 8), _at(3, 19)
    docs.append(
        (
            "contrat-conseil-strategique.docx",
            documents.make_docx(
                "Contrat de prestation de conseil",
                [
                    "Entre l'association de soutien et la société de conseil, il est convenu ce "
                    "qui suit.",
                    "Article 1 : la mission porte sur la stratégie numérique de la campagne.",
                    "Article 2 : la rémunération est versée sur un compte désigné par le client.",
                ],
                author="Marc Bernard",
                modified_by=EDITORS[1],
                created=created,
                when=saved,
                tool=FOREIGN_OFFICE,
                revision=5,
            ),
            saved,
            "last saved by a Cyrillic-script name",
        )
    )
    created = saved = _at(4, 12)
    docs.append(
        (
            "releve-operations-mai.pdf",
            documents.make_pdf(
                "Relevé des opérations — mai 2017",
                [
                    "Compte : association de soutien",
                    "12/05 Virement reçu : 450 000,00",
                    "19/05 Virement émis : 380 000,00",
                    "26/05 Virement émis : 70 000,00",
                ],
                author=EDITORS[0],
                created=created,
                when=saved,
                tool=FOREIGN_OFFICE,
            ),
            saved,
            "author with a Cyrillic-script name",
        )
    )
    if size == "normal":
        created, saved = _at(5, 9), _at(5, 14)
        docs.append(
            (
                "liste-beneficiaires.xlsx",
                documents.make_xlsx(
                    "Bénéficiaires",
                    [["Nom", "Montant (EUR)"], ["Société A", 150000], ["Société B", 90000]],
                    author="Sophie Lefèvre",
                    modified_by=EDITORS[1],
                    created=created,
                    when=saved,
                    tool=FOREIGN_OFFICE,
                ),
                saved,
                "last saved by a Cyrillic-script name",
            )
        )
    return [
        LooseFile(
            f"{FOLDER}/{name}",
            data,
            when,
            "planted-folder",
            "planted",
            f"Planted: no email carries it; {who}, LibreOffice in Russian (ru-RU), created "
            f"and saved in June 2017 (last on {when:%Y-%m-%d}), after the dump's last message.",
        )
        for name, data, when, who in docs
    ]
