"""Building the bundled demo leak: a fictional campaign's stolen mailboxes plus ground truth.

`build_demo(out_dir)` writes, all under `out_dir`:

    dump/        the leak to scan: a Maildir, an mboxo file, a folder of .eml files, a zip with
                 a nested zip, a Documents/ folder of loose files and a planted folder
    decoys/      the campaign's decoy files and canaries.txt (the `--decoys` folder), kept
                 beside the dump as the campaign would hand them to the desk
    keys.json    the public keys the desk "knows" (key-archive contract, list form), without
                 the keys the demo withholds on purpose
    org.toml     the campaign's organisation profile
    truth.json   the verdict a correct scan must give every email and loose document, and
                 every attachment whose verdict is not simply its email's

The output is a pure function of (seed, size): fixed dates, seeded choices, fixed DKIM t=,
deterministic signatures (RSA PKCS#1 v1.5, Ed25519) and fixed zip metadata.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from contrefeu.demo import decoys, documents
from contrefeu.demo.context import BuildContext, DemoMail, LooseFile, paris
from contrefeu.demo.mailboxes import (
    numbered_members,
    write_eml_folder,
    write_maildir,
    write_mbox,
    zip_bytes,
)
from contrefeu.demo.people import render_org_toml, staff
from contrefeu.demo.planted import planted_files
from contrefeu.demo.scenarios import MBOX_QUOTING_SCENARIOS, SCENARIOS, Mailbox, Scenario
from contrefeu.demo.signing import demo_keys
from contrefeu.errors import UsageError

SIZES = ("small", "normal")

# Keys a desk would not have: the emailing provider's selector (recoverable from its several
# signatures in the dump) and two selectors that each sign a single message.
WITHHELD_KEYS = (
    "k1._domainkey.mailer-pro.example",
    "default._domainkey.collectif-citoyen.example",
    "mail._domainkey.asso-quartier.example",
)

MAILBOX_OWNERS = {
    "maildir": "c.martin",
    "zip-nested": "m.bernard",
    "mbox": "j.dubois",
    "eml": "s.lefevre",
    "zip-outer": "t.girard",
}
MAILDIR_ROOT = "c.martin/Maildir"
MBOX_NAME = "j.dubois.mbox"
EML_FOLDER = "finance"
ZIP_NAME = "archives.zip"
ZIP_OUTER_FOLDER = "export/logistique"
ZIP_NESTED_NAME = "export/tresorerie.zip"
ZIP_NESTED_FOLDER = "mail"
# Share of the everyday mail (internal, signed-ok) each mailbox gets.
_BULK_WEIGHTS = {"maildir": 35, "zip-nested": 15, "mbox": 25, "eml": 15, "zip-outer": 10}
_QUOTED_LINE = re.compile(rb"^>*From ", re.MULTILINE)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoLeak:
    """Where a built demo leak lives."""

    dump: Path  # the folder to scan
    keys: Path  # keys.json: the archived public keys (without the withheld ones)
    org: Path  # org.toml of the fictional campaign
    truth: Path  # truth.json: expected verdict of every email and loose document
    decoys: Path  # the campaign's decoys folder (decoy files and canaries.txt)


def _placements(scenario: Scenario, count: int, rng: random.Random) -> list[str]:
    if scenario.bulk:
        keys = [k for k in _BULK_WEIGHTS if k in scenario.mailboxes]
        return rng.choices(keys, weights=[_BULK_WEIGHTS[k] for k in keys], k=count)
    # One mailbox after the other: the first sample of each kind lands in the Maildir, the
    # second in the nested zip, so every format holds tampered samples.
    return [scenario.mailboxes[i % len(scenario.mailboxes)] for i in range(count)]


def _check(mail: DemoMail) -> None:
    """Guard the ground truth: only the mbox samples may hold lines that mbox quoting changes."""
    if mail.scenario not in MBOX_QUOTING_SCENARIOS and _QUOTED_LINE.search(mail.raw):
        raise AssertionError(f"{mail.scenario} message has a line starting 'From ' or '>From '")


def _loose_documents(size: str) -> list[LooseFile]:
    """Documents/ (genuine files nobody mailed: unverified), the planted folder and the edited
    decoy copy."""
    return (
        [
            LooseFile(
                path,
                data,
                when,
                "loose-document",
                "unverified",
                f"{note} Not mail: nothing to verify.",
            )
            for path, data, when, note in _documents_folder(size)
        ]
        + planted_files(size)
        + [decoys.edited_note()]
    )


def _documents_folder(size: str) -> list[tuple[str, bytes, datetime, str]]:
    def at(month: int, day: int, hour: int) -> datetime:
        return paris(datetime(2017, month, day, hour, 0, tzinfo=UTC))

    docs = [
        (
            "Documents/programme.pdf",
            documents.make_pdf(
                "Programme Avenir Commun — version finale",
                [
                    "Un contrat d'avenir pour 300 000 jeunes.",
                    "500 maisons de santé de proximité.",
                    "Un million de logements rénovés chaque année.",
                    "Une Europe qui protège.",
                ],
                author="Élodie Roux",
                created=at(3, 18, 16),
                when=at(3, 20, 9),
            ),
            at(3, 20, 9),
            "Final programme (PDF).",
        ),
        (
            "Documents/notes-reunion-2017-03-14.docx",
            documents.make_docx(
                "Notes de la réunion du 14 mars",
                [
                    "Présents : J. Dubois, C. Martin, S. Lefèvre, T. Girard.",
                    "Décisions : meeting de Lyon le 2 avril, commande de 200 000 tracts.",
                    "Budget : rester sous 70 % du plafond avant le premier tour.",
                ],
                author="Julien Dubois",
                created=at(3, 14, 10),
                when=at(3, 14, 17),
            ),
            at(3, 14, 17),
            "Meeting notes (DOCX).",
        ),
        (
            "Documents/budget-campagne.xlsx",
            documents.make_xlsx(
                "Budget",
                [
                    ["Poste", "Prévu (EUR)", "Engagé (EUR)"],
                    ["Salles", 180000, 121500],
                    ["Impression", 95000, 88200],
                    ["Déplacements", 60000, 41230],
                    ["Numérique", 45000, 30900],
                ],
                author="Sophie Lefèvre",
                modified_by="Marc Bernard",
                created=at(1, 27, 9),
                when=at(4, 3, 8),
            ),
            at(4, 3, 8),
            "Budget sheet (XLSX).",
        ),
        (
            "Documents/communique-2017-04-24.txt",
            documents.make_text(
                [
                    "COMMUNIQUÉ DE PRESSE — Avenir Commun",
                    "",
                    "Au lendemain du premier tour, le candidat remercie les électrices et les électeurs.",
                    "Contact presse : Claire Martin",
                ]
            ),
            at(4, 24, 7),
            "Press release (text).",
        ),
    ]
    if size == "normal":
        docs += [
            (
                "Documents/liste-benevoles-lyon.csv",
                documents.make_csv(
                    [
                        ["nom", "telephone", "disponibilite"],
                        ["A. Roy", "06 00 00 00 01", "samedi"],
                        ["B. Klein", "06 00 00 00 02", "dimanche"],
                    ]
                ),
                at(3, 28, 12),
                "Volunteer list (CSV).",
            ),
            (
                "Documents/discours-meeting-lyon.docx",
                documents.make_docx(
                    "Discours — meeting de Lyon",
                    ["Mes chers amis,", "Nous sommes ici pour dire que l'avenir est commun."],
                    author="Élodie Roux",
                    when=at(4, 1, 22),
                ),
                at(4, 1, 22),
                "Speech draft (DOCX).",
            ),
        ]
    return docs


def _prepare(out_dir: Path) -> Path:
    dump = out_dir / "dump"
    for folder in (dump, out_dir / decoys.FOLDER):
        if folder.exists():
            # Only replace a previous demo build: never delete a folder we did not write.
            if not (out_dir / "truth.json").is_file():
                raise UsageError(f"{folder} exists and is not a demo leak; choose another folder")
            shutil.rmtree(folder)
    dump.mkdir(parents=True)
    return dump


def _write_decoys(out_dir: Path) -> Path:
    folder = out_dir / decoys.FOLDER
    folder.mkdir()
    stamp = paris(datetime(2017, 4, 3, 20, tzinfo=UTC)).timestamp()
    for name, data in decoys.decoy_files().items():
        (folder / name).write_bytes(data)
        os.utime(folder / name, (stamp, stamp))
    return folder


def _truth_entries(path: str, mail: DemoMail) -> dict[str, dict[str, object]]:
    entries: dict[str, dict[str, object]] = {
        path: {
            "verdict": mail.verdict,
            "scenario": mail.scenario,
            "note": mail.note,
            "message_id": mail.message_id,
        }
    }
    for number, filename, verdict, note in mail.attachment_truth:
        entries[f"{path}#{number}/{filename}"] = {
            "verdict": verdict,
            "scenario": mail.scenario,
            "note": note,
            "message_id": None,
        }
    return entries


def _json(path: Path, data: object) -> None:
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def build_demo(
    out_dir: Path, *, seed: int = 2017, size: str = "normal", progress: Progress | None = None
) -> DemoLeak:
    """Write the demo leak under `out_dir` and return where its parts are.

    `size` is "small" (about 90 emails, for tests) or "normal" (about 470, the demo).
    `progress(stage, done, total)` is called as messages are made and files written.
    The same (seed, size) always gives the same bytes.
    """
    if size not in SIZES:
        raise UsageError(f"unknown demo size {size!r}; choose one of {', '.join(SIZES)}")
    out_dir = Path(out_dir)
    dump = _prepare(out_dir)
    ctx = BuildContext(random.Random(seed))
    owners = {key: Mailbox(key, staff(login)) for key, login in MAILBOX_OWNERS.items()}

    by_box: dict[str, list[DemoMail]] = {key: [] for key in MAILBOX_OWNERS}
    total = sum(s.counts[size] for s in SCENARIOS)
    done = 0
    for scenario in SCENARIOS:
        count = scenario.counts[size]
        for index, box_key in enumerate(_placements(scenario, count, ctx.rng)):
            built = scenario.build(ctx, owners[box_key], index)
            for mail in built if isinstance(built, list) else [built]:
                _check(mail)
                by_box[mail.box or box_key].append(mail)
            done += 1
            if progress:
                progress("messages", done, total)

    placed = write_maildir(dump, MAILDIR_ROOT, by_box["maildir"])
    placed += write_mbox(dump, MBOX_NAME, by_box["mbox"])
    placed += write_eml_folder(dump, EML_FOLDER, by_box["eml"])
    nested = numbered_members(ZIP_NESTED_FOLDER, by_box["zip-nested"])
    outer = numbered_members(ZIP_OUTER_FOLDER, by_box["zip-outer"])
    nested_zip = zip_bytes([(name, m.raw, m.when) for name, m in nested])
    last = max([m.when for _, m in nested] or [paris(datetime(2017, 5, 31, tzinfo=UTC))])
    members = [(name, m.raw, m.when) for name, m in outer] + [(ZIP_NESTED_NAME, nested_zip, last)]
    (dump / ZIP_NAME).write_bytes(zip_bytes(members))
    placed += [(f"{ZIP_NAME}!{name}", m) for name, m in outer]
    placed += [(f"{ZIP_NAME}!{ZIP_NESTED_NAME}!{name}", m) for name, m in nested]
    if progress:
        progress("mailboxes", len(placed), len(placed))

    truth: dict[str, dict[str, object]] = {}
    for path, mail in placed:
        truth.update(_truth_entries(path, mail))
    for loose in _loose_documents(size):
        target = dump / loose.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(loose.data)
        truth[loose.path] = {
            "verdict": loose.verdict,
            "scenario": loose.scenario,
            "note": loose.note,
            "message_id": None,
        }
        os.utime(target, (loose.when.timestamp(), loose.when.timestamp()))
    decoy_folder = _write_decoys(out_dir)

    keys = out_dir / "keys.json"
    _json(
        keys, [k.archive_record() for name, k in demo_keys().items() if name not in WITHHELD_KEYS]
    )
    org = out_dir / "org.toml"
    org.write_text(render_org_toml(), encoding="utf-8")
    truth_path = out_dir / "truth.json"
    _json(
        truth_path,
        {"seed": seed, "size": size, "withheld_keys": list(WITHHELD_KEYS), "items": truth},
    )
    if progress:
        progress("done", len(truth), len(truth))
    return DemoLeak(dump=dump, keys=keys, org=org, truth=truth_path, decoys=decoy_folder)
