"""The case database: one SQLite file (WAL, FTS5) per investigation, plus `CASE.files/`."""

from contrefeu.store.case import Case, case_files_dir

__all__ = ["Case", "case_files_dir"]
