"""The demo's scenarios: the registry of message builders and how many of each to make.

Each builder (genuine.py, conversations.py, tampered.py, forgeries.py, decoys.py) makes one
message for a mailbox (whose owner sends or receives it), or a few related ones (a thread, an
original and its copy), and says what verdict a correct scan must give each and why. Adding a
scenario is adding a builder and one `Scenario` row to `SCENARIOS`; the generator places and
writes whatever the builders return. Builders run in the order of `SCENARIOS`: forged replies
answer the press threads built before them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contrefeu.demo import people
from contrefeu.demo.context import MAILBOXES, BuildContext, DemoMail, Mailbox
from contrefeu.demo.conversations import press_release, press_thread, weekly_briefing
from contrefeu.demo.decoys import decoy_attachment, decoy_canary_mail
from contrefeu.demo.forgeries import (
    completed_copy,
    forged_external,
    forged_freemail,
    forged_reply,
    forged_staff_impersonation,
)
from contrefeu.demo.genuine import (
    missing_key,
    not_aligned,
    recovered_key,
    signed_ed25519,
    signed_expired,
    signed_ok,
    signed_sha1_old,
    two_sigs_one_fails,
    unsigned_internal,
    weak_key,
)
from contrefeu.demo.tampered import (
    body_altered,
    body_length_appended,
    header_altered,
    malformed,
    mbox_ambiguous,
    mbox_quoted_ok,
    unsigned_cc_added,
)

__all__ = ["MAILBOXES", "MBOX_QUOTING_SCENARIOS", "SCENARIOS", "Mailbox", "Scenario"]

FILE_MAILBOXES = ("eml", "zip-nested", "zip-outer")  # where a file may hold anything at all

Builder = Callable[[BuildContext, Mailbox, int], DemoMail | list[DemoMail]]


@dataclass(frozen=True)
class Scenario:
    name: str
    verdict: str
    build: Builder
    counts: dict[str, int]  # number of messages per build size
    mailboxes: tuple[str, ...] = MAILBOXES
    bulk: bool = False  # spread at random (weighted) rather than one mailbox after the other


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "unsigned-internal",
        "unverified",
        unsigned_internal,
        {"small": 20, "normal": 200},
        bulk=True,
    ),
    Scenario("signed-ok", "authentic", signed_ok, {"small": 12, "normal": 130}, bulk=True),
    Scenario("signed-ed25519", "authentic", signed_ed25519, {"small": 2, "normal": 6}),
    Scenario("signed-sha1-old", "authentic", signed_sha1_old, {"small": 2, "normal": 5}),
    Scenario("signed-expired", "authentic", signed_expired, {"small": 2, "normal": 5}),
    Scenario("weak-key", "authentic", weak_key, {"small": 2, "normal": 4}),
    Scenario("unsigned-cc-added", "authentic", unsigned_cc_added, {"small": 2, "normal": 4}),
    Scenario("two-sigs-one-fails", "authentic", two_sigs_one_fails, {"small": 2, "normal": 5}),
    Scenario(
        "missing-key",
        "unverified",
        missing_key,
        {"small": len(people.MISSING_KEY_SENDERS), "normal": len(people.MISSING_KEY_SENDERS)},
    ),
    Scenario("recovered-key", "unverified", recovered_key, {"small": 3, "normal": 6}),
    Scenario("not-aligned", "unverified", not_aligned, {"small": 2, "normal": 4}),
    Scenario("body-altered", "altered", body_altered, {"small": 2, "normal": 5}),
    Scenario("header-altered", "altered", header_altered, {"small": 2, "normal": 6}),
    Scenario("body-length-appended", "altered", body_length_appended, {"small": 2, "normal": 4}),
    Scenario(
        "mbox-quoted-ok",
        "authentic",
        mbox_quoted_ok,
        {"small": 2, "normal": 3},
        mailboxes=("mbox",),
    ),
    Scenario(
        "mbox-ambiguous",
        "unverified",
        mbox_ambiguous,
        {"small": 2, "normal": 3},
        mailboxes=("mbox",),
    ),
    Scenario(
        "malformed", "malformed", malformed, {"small": 3, "normal": 6}, mailboxes=FILE_MAILBOXES
    ),
    # The habits the forgeries below break: a reporter's threads, the director's briefings,
    # the press office's releases.
    Scenario(
        "press-thread", "authentic", press_thread, {"small": 4, "normal": 8}, mailboxes=("maildir",)
    ),
    Scenario("weekly-briefing", "unverified", weekly_briefing, {"small": 4, "normal": 17}),
    Scenario("press-release", "authentic", press_release, {"small": 5, "normal": 10}),
    Scenario(
        "forged-staff",
        "forged",
        forged_staff_impersonation,
        {"small": 1, "normal": 1},
        mailboxes=("maildir",),
    ),
    Scenario(
        "forged-external", "forged", forged_external, {"small": 1, "normal": 2}, mailboxes=("eml",)
    ),
    Scenario(
        "forged-reply",
        "forged",
        forged_reply,
        {"small": 1, "normal": 2},
        mailboxes=("mbox", "zip-outer"),
    ),
    Scenario(
        "forged-freemail",
        "forged",
        forged_freemail,
        {"small": 1, "normal": 2},
        mailboxes=("zip-nested",),
    ),
    Scenario(
        "completed-copy",
        "altered",
        completed_copy,
        {"small": 2, "normal": 3},
        mailboxes=("maildir", "eml", "zip-nested"),
    ),
    Scenario(
        "decoy-attachment",
        "decoy",
        decoy_attachment,
        {"small": 1, "normal": 1},
        mailboxes=("zip-nested",),
    ),
    Scenario(
        "decoy-canary",
        "decoy",
        decoy_canary_mail,
        {"small": 1, "normal": 2},
        mailboxes=("maildir",),
    ),
)

# Scenarios whose messages carry body lines starting "From " on purpose (mbox quoting samples).
MBOX_QUOTING_SCENARIOS = frozenset({"mbox-quoted-ok", "mbox-ambiguous"})
