"""The bundled demo leak: a deterministic generator of a fictional campaign's leaked mailboxes.

`build_demo(out_dir)` writes a dump in several mailbox formats (Maildir, mbox, .eml files, a
nested zip, loose documents), the key archive a desk would hold, the organisation profile and
the ground-truth verdict of every item, so `contrefeu demo` and the tests can check a scan
against known answers. Not a tool to fabricate evidence about real people: every party is
fictional and every key is a published demo key.
"""

from contrefeu.demo.generator import SIZES, WITHHELD_KEYS, DemoLeak, build_demo

__all__ = ["SIZES", "WITHHELD_KEYS", "DemoLeak", "build_demo"]
