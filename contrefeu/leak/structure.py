"""The dump's structure: folders that do not belong to the mailboxes they sit in.

A leak is presented as "the mailboxes of X"; an attacker who adds material usually adds whole
folders. A folder that holds no mail, whose documents were never sent or received in the
dump's mail, whose people are strangers and whose dates fall outside the mail's time range, was
probably added. When those documents also carry metadata outliers, the folder is `planted`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from contrefeu.model import Finding

DISCONNECTED = 0.2  # under this share of connected items a folder is disconnected
PLANTED_OUTLIERS = 0.5  # share of a disconnected folder's items with metadata outliers
OUTLIER_CODES = frozenset(
    {
        "docmeta-foreign-script",
        "docmeta-unknown-person",
        "docmeta-created-after-dump",
        "docmeta-rare-tool",
        "docmeta-foreign-language",
    }
)


@dataclass
class FolderItem:
    item_id: int
    dump: str
    path: str
    kind: str  # email | document | other (top-level items only)
    sha256: str
    connected: bool  # seen in the dump's mail: as an attachment, thread or person
    outlier_codes: frozenset[str] = field(default_factory=frozenset)


def folder_of(path: str) -> str:
    """The folder an item sits in; an mbox or archive member's container counts as a folder."""
    head, sep, _ = path.rpartition("/")
    if "!" in path and (not sep or path.rfind("!") > path.rfind("/")):
        return path.rpartition("!")[0]
    return head if sep else "."


def structure_findings(items: Sequence[FolderItem]) -> dict[int, list[Finding]]:
    folders: dict[tuple[str, str], list[FolderItem]] = defaultdict(list)
    for item in items:
        folders[(item.dump, folder_of(item.path))].append(item)
    mail_folders = {
        key for key, members in folders.items() if any(m.kind == "email" for m in members)
    }
    out: dict[int, list[Finding]] = {}
    for key, members in sorted(folders.items()):
        folder = key[1]
        # A folder is judged against the rest of the dump's mail: without other mail
        # folders there is nothing to be disconnected from.
        if len(members) < 2 or not (mail_folders - {key}):
            continue
        connected = sum(1 for m in members if m.connected) / len(members)
        if connected >= DISCONNECTED:
            continue
        mails = sum(1 for m in members if m.kind == "email")
        what = (
            f"{len(members)} items and no mail"
            if not mails
            else f"{len(members)} items ({mails} emails)"
        )
        base = Finding(
            "structure-disconnected-folder",
            "low",
            f"The folder {folder!r} holds {what}; {connected:.0%} of them appear anywhere else "
            "in the dump's mail (as attachments, in threads or between its people). It may have "
            "been added to the mailboxes.",
        )
        with_outliers = [m for m in members if m.outlier_codes & OUTLIER_CODES]
        share = len(with_outliers) / len(members)
        for member in members:
            findings = [base]
            if share >= PLANTED_OUTLIERS:
                codes = sorted({c for m in with_outliers for c in m.outlier_codes & OUTLIER_CODES})
                findings.append(
                    Finding(
                        "structure-planted-folder",
                        "high",
                        f"{len(with_outliers)} of the {len(members)} items of the disconnected "
                        f"folder {folder!r} have document metadata outliers ({', '.join(codes)}): "
                        "the folder was added to the dump from elsewhere.",
                    )
                )
            out[member.item_id] = findings
    return out
