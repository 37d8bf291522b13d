"""The parsers of outside input in the web UI: query syntax, HTML sanitiser, word diff.

Examples pin the behaviour; hypothesis checks that no input breaks them (a query never makes
FTS5 fail, sanitised HTML never keeps a script or a remote reference, a diff always gives
both texts back).
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.web.diff import word_diff
from contrefeu.web.items import normalise_subject
from contrefeu.web.query_syntax import Term, parse_query
from contrefeu.web.sanitize import html_part_of, sanitize_html


# -- query syntax ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "include", "exclude"),
    [
        ("invoice", [Term("invoice")], []),
        ("factur*", [Term("factur", prefix=True)], []),
        ('"bank details" lyon', [Term("bank details"), Term("lyon")], []),
        ('-draft -"old copy"', [], [Term("draft"), Term("old copy")]),
        ('"virement"* -x*', [Term("virement", prefix=True)], [Term("x", prefix=True)]),
        ('"unclosed phrase', [Term("unclosed phrase")], []),
        ("a - b", [Term("a"), Term("b")], []),
        ("NEAR(a b) OR c:d", [Term("NEAR(a"), Term("b)"), Term("OR"), Term("c:d")], []),
        ("*** -- \"\" ''", [], []),
    ],
)
def test_parse_query_examples(text, include, exclude):
    query = parse_query(text)
    assert list(query.include) == include
    assert list(query.exclude) == exclude


def test_match_expression_quotes_everything():
    query = parse_query('say "he said ""hi""" -spam factur*')
    assert query.match_expression() == '("say" AND "he said" AND "hi" AND "factur"*) NOT ("spam")'
    assert parse_query("-spam").match_expression() is None
    assert parse_query("-spam -eggs").exclude_expression() == '"spam" OR "eggs"'


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (body)")
    conn.executemany(
        "INSERT INTO t (body) VALUES (?)",
        [
            ("facture imprimerie 1200 euros",),
            ("bank details IBAN FR76",),
            ('he said "hi" to the press',),
            ("NEAR OR AND NOT",),
        ],
    )
    return conn


def test_queries_find_what_they_say(fts):
    def hits(text: str) -> int:
        return fts.execute(
            "SELECT COUNT(*) FROM t WHERE t MATCH ?", (parse_query(text).match_expression(),)
        ).fetchone()[0]

    assert hits("factur*") == 1
    assert hits('"bank details"') == 1
    assert hits('"details bank"') == 0
    assert hits("NEAR OR") == 1  # operators are words here
    assert hits("facture -euros") == 0


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=120))
def test_any_text_is_a_valid_fts5_query(fts, text):
    query = parse_query(text)
    for expression in (query.match_expression(), query.exclude_expression()):
        if expression is not None:
            fts.execute("SELECT COUNT(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab "-*()^:'), max_size=40))
def test_operator_heavy_text_is_a_valid_fts5_query(text):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (body)")
    expression = parse_query(text).match_expression()
    if expression is not None:
        conn.execute("SELECT COUNT(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()


def test_normalise_subject():
    assert normalise_subject("RE: Fwd: TR : [liste] Virement  salle") == "virement salle"
    assert normalise_subject("Re[2]: AW: bonjour") == "bonjour"
    assert normalise_subject(None) == ""


# -- sanitiser ------------------------------------------------------------------------------
def test_sanitize_removes_scripts_handlers_css_and_remote_references():
    html = (
        '<p style="background:url(http://x.example/a)">Hi</p>'
        '<img src="http://x.example/p.gif" onerror="alert(1)">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo">'
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">'
        '<a href="javascript:alert(1)">a</a><script>alert(1)</script>'
        "<style>p{background:url(http://x.example/b)}</style>"
        '<table background="http://x.example/t"><tr><td>1</td></tr></table>'
    )
    result = sanitize_html(html)
    assert result.html == (
        '<p>Hi</p><img><img src="data:image/png;base64,iVBORw0KGgo=" alt="logo"><img><a>a</a>'
        "<table><tbody><tr><td>1</td></tr></tbody></table>"
    )
    assert result.removed_references == 4
    assert not result.truncated


def test_sanitize_cuts_huge_bodies():
    result = sanitize_html("<p>" + "a" * 5000 + "</p>", max_chars=100)
    assert result.truncated and len(result.html) < 200


URLISH = st.sampled_from(
    [
        "http://evil.example/x",
        "https://e.example",
        "//e.example/p",
        "javascript:alert(1)",
        "data:text/html,<script>x</script>",
        " http://e.example",
        "HTTP://E.EXAMPLE",
        "cid:part1",
    ]
)
TAGS = st.sampled_from(
    [
        "img",
        "a",
        "div",
        "table",
        "td",
        "p",
        "span",
        "script",
        "style",
        "iframe",
        "svg",
        "image",
        "link",
        "video",
        "object",
        "body",
        "form",
    ]
)
ATTRS = st.sampled_from(
    [
        "src",
        "href",
        "srcset",
        "background",
        "style",
        "onerror",
        "onload",
        "poster",
        "data",
        "action",
        "xlink:href",
        "cite",
        "longdesc",
    ]
)


@st.composite
def hostile_html(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 8))):
        tag, attr, url = draw(TAGS), draw(ATTRS), draw(URLISH)
        text = draw(st.text(max_size=10))
        parts.append(f'<{tag} {attr}="{url}">{text}</{tag}>')
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(st.one_of(hostile_html(), st.text(max_size=300)))
def test_sanitized_html_never_keeps_active_or_remote_content(html):
    cleaned = sanitize_html(html).html.lower()
    for element in ("<script", "<style", "<iframe", "<link", "<object", "<svg", "<form"):
        assert element not in cleaned, element
    # Inside tags (text may mention anything: it is escaped text, not markup).
    markup = " ".join(re.findall(r"<[^>]*>", cleaned))
    for needle in (
        " on",
        "javascript:",
        "http:",
        "https:",
        "//",
        "style=",
        "srcset",
        "background",
        "href",
        "cid:",
        "data:text",
        "poster",
        "action",
    ):
        assert needle not in markup, (needle, markup)


def test_html_part_of_real_and_broken_messages():
    raw = (
        b"From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\n"
        b"Content-Type: text/plain\r\n\r\nplain\r\n--B\r\n"
        b"Content-Type: text/html; charset=x-unknown-charset\r\n\r\n<p>caf\xc3\xa9</p>\r\n"
        b"--B--\r\n"
    )
    assert html_part_of(raw).html.strip() == "<p>café</p>"
    assert html_part_of(b"Subject: plain\r\n\r\nno html").html is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_html_part_of_never_raises(raw):
    part = html_part_of(b"Content-Type: text/html\r\n" + raw)
    assert part.html is None or isinstance(part.html, str)


# -- diff -----------------------------------------------------------------------------------
def test_word_diff_marks_only_changed_words():
    diff = word_diff("Le virement de 1 200 euros.", "Le virement de 98 000 euros.")
    assert [(s.op, s.text) for s in diff.left] == [
        ("equal", "Le virement de "),
        ("delete", "1 200 "),
        ("equal", "euros."),
    ]
    assert [(s.op, s.text) for s in diff.right] == [
        ("equal", "Le virement de "),
        ("insert", "98 000 "),
        ("equal", "euros."),
    ]
    assert (diff.removed_words, diff.added_words) == (2, 2)
    assert word_diff("same text", "same text").identical


def test_word_diff_ignores_rewrapping():
    assert word_diff("one two three", "one two\nthree").identical


@pytest.mark.slow
def test_word_diff_stays_fast_on_long_repetitive_bodies():
    import time

    left = " ".join(f"mot{i % 300}" for i in range(40_000))
    right = left.replace("mot7 ", "autre ", 30)
    start = time.perf_counter()
    diff = word_diff(left, right)
    assert time.perf_counter() - start < 5
    assert "".join(s.text for s in diff.right) == right


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.text(max_size=200))
def test_word_diff_gives_both_texts_back(left, right):
    diff = word_diff(left, right)
    assert "".join(s.text for s in diff.left) == left
    assert "".join(s.text for s in diff.right) == right
    assert all(s.op in ("equal", "delete") for s in diff.left)
    assert all(s.op in ("equal", "insert") for s in diff.right)
