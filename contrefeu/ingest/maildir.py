"""Maildir recognition: which files are messages of a Maildir folder, and which folder.

A Maildir is a folder with `cur/` and `new/` subfolders (Maildir++ subfolders such as
`.Sent/` are Maildirs of their own). Each file in `cur/` or `new/` is one message, read by the
email reader; files in `tmp/` are deliveries in progress and are sniffed like any loose file.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

MESSAGE_FOLDERS = ("cur", "new")


def is_maildir(subfolders: Iterable[str]) -> bool:
    """True for a folder whose subfolder names include both `cur` and `new`."""
    names = set(subfolders)
    return all(name in names for name in MESSAGE_FOLDERS)


def archive_folders(names: Iterable[str]) -> set[str]:
    """Every folder of an archive, from its member names (archives do not always list them)."""
    folders: set[str] = set()
    for name in names:
        parent = posixpath.dirname(name.rstrip("/") if name.endswith("/") else name)
        if name.endswith("/"):
            folders.add(name.rstrip("/"))
        while parent and parent not in folders:
            folders.add(parent)
            parent = posixpath.dirname(parent)
    return folders


def maildir_folder(member: str, folders: set[str]) -> str | None:
    """For an archive member name, the Maildir folder holding it ("" at the root), or None.

    `folders` comes from `archive_folders` over all the member names.
    """
    parent = posixpath.dirname(member)
    if posixpath.basename(parent) not in MESSAGE_FOLDERS or not posixpath.basename(member):
        return None
    root = posixpath.dirname(parent)
    prefix = f"{root}/" if root else ""
    if all(f"{prefix}{folder}" in folders for folder in MESSAGE_FOLDERS):
        return root
    return None
