"""The small search syntax of the review UI, turned into safe SQLite FTS5 expressions.

What a reviewer may type (documented on the search page too):

    invoice             items containing the word (any indexed field)
    factur*             a word starting with "factur"
    "bank details"      the exact phrase
    -draft  -"old copy" leave out items with this word or phrase (also with a trailing *)

Several terms must all match (AND). Everything else (FTS5 operators, column filters, brackets,
NEAR) is treated as plain words: the user's text never reaches MATCH except as double-quoted
strings with their quotes doubled, so no input can produce an FTS5 syntax error or a query
other than the one shown. This module is only the parser; the SQL around it is in queries.py.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_TERMS = 32  # a longer query is almost certainly pasted text; keep it bounded
MAX_TERM_CHARS = 200


@dataclass(frozen=True)
class Term:
    """One word or phrase of a query."""

    text: str
    prefix: bool = False

    def fts(self) -> str:
        """This term as an FTS5 string: always double-quoted, inner quotes doubled."""
        quoted = '"' + self.text.replace('"', '""') + '"'
        return quoted + "*" if self.prefix else quoted


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: terms that must match and terms that must not."""

    include: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.include and not self.exclude

    def match_expression(self) -> str | None:
        """FTS5 expression for the items to keep, or None when only exclusions were given."""
        if not self.include:
            return None
        positive = " AND ".join(t.fts() for t in self.include)
        if self.exclude:
            return f"({positive}) NOT ({self.exclude_expression()})"
        return positive

    def exclude_expression(self) -> str | None:
        """FTS5 expression matching any excluded term (used alone when nothing is included)."""
        if not self.exclude:
            return None
        return " OR ".join(t.fts() for t in self.exclude)

    def display(self) -> str:
        """The query as the parser understood it, to show back to the reviewer."""
        parts = [_show(t) for t in self.include] + ["-" + _show(t) for t in self.exclude]
        return " ".join(parts)


def _show(term: Term) -> str:
    text = f'"{term.text}"' if any(c.isspace() for c in term.text) else term.text
    return text + "*" if term.prefix else text


def _searchable(text: str) -> bool:
    # FTS5's unicode61 tokenizer keeps letters and digits; a term without any would become an
    # empty phrase, which matches nothing and only confuses the reviewer.
    return any(c.isalnum() for c in text)


def parse_query(text: str) -> SearchQuery:
    """Parse the reviewer's query. Never raises; unusable pieces are dropped."""
    include: list[Term] = []
    exclude: list[Term] = []
    # FTS5 ends a string at NUL and other control characters break nothing but the display.
    text = "".join(" " if ord(c) < 32 or c == "\x7f" else c for c in text)
    i, n = 0, len(text)
    while i < n and len(include) + len(exclude) < MAX_TERMS:
        if text[i].isspace():
            i += 1
            continue
        negative = False
        if text[i] == "-" and i + 1 < n and not text[i + 1].isspace():
            negative = True
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end == -1 else end  # an unclosed quote runs to the end
            body = " ".join(text[i + 1 : end].split())
            i = end + 1
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] != '"':
                i += 1
            body = text[start:i]
        prefix = False
        if i < n and text[i] == "*":  # "phrase"* : prefix on the last word
            prefix = True
            i += 1
        if body.endswith("*"):
            prefix = True
            body = body.rstrip("*")
        body = body[:MAX_TERM_CHARS]
        if not _searchable(body):
            continue
        (exclude if negative else include).append(Term(body, prefix))
    return SearchQuery(tuple(include), tuple(exclude))
