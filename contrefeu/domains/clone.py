"""Does a suspect login page copy the genuine one?

What it is for: ``domains compare SUSPECT GENUINE``. Both pages are saved HTML files or folders
saved by a browser ("Web page, complete": ``page.html`` plus ``page_files/``). The comparison
combines evidence a reviewer can check:

* DOM structure: the sequence of tags with their attribute names (not values), compared by
  normalised Indel similarity (rapidfuzz);
* visible text: Jaccard similarity of word sets;
* shared resources: file names of stylesheets, scripts and images both pages load;
* fuzzy hash: TLSH distance of the raw HTML (robust to small edits);
* forms that post a password to another domain than the genuine page's;
* obfuscated JavaScript (eval/atob/unescape/fromCharCode, long encoded strings).

Hostile pages never raise: unreadable input becomes a ``Finding``. Fetching live pages is
only done by ``fetch_page``, which the CLI calls only with ``--fetch``.

What it is not for: rendering pages or comparing screenshots.
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from contrefeu.model import Finding

MAX_PAGE = 20 * 1024 * 1024
_MAX_TAGS = 20000
_WORD = re.compile(r"\w{2,}", re.UNICODE)
_OBFUSCATION = re.compile(
    r"eval\s*\(|atob\s*\(|unescape\s*\(|fromCharCode|\\x[0-9a-f]{2}(?:\\x[0-9a-f]{2}){8,}"
    r"|[A-Za-z0-9+/]{400,}={0,2}",
    re.IGNORECASE,
)


@dataclass
class Page:
    """What the comparison needs from one page."""

    source: str
    raw: bytes = b""
    tags: list[str] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    forms: list[dict[str, Any]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)
    base_url: str | None = None
    findings: list[Finding] = field(default_factory=list)


@dataclass
class CloneReport:
    """How likely the suspect page copies the genuine one (0..1) and why."""

    suspect: str
    genuine: str
    likelihood: float
    verdict: str  # "clone" | "similar" | "different"
    components: dict[str, float]
    findings: list[Finding]

    def to_dict(self) -> dict[str, Any]:
        return {
            "suspect": self.suspect,
            "genuine": self.genuine,
            "likelihood": round(self.likelihood, 3),
            "verdict": self.verdict,
            "components": {k: round(v, 3) for k, v in self.components.items()},
            "findings": [f.to_dict() for f in self.findings],
        }


class _PageParser(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self._in_script = False
        self._skip_text = 0
        self._form: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        page = self.page
        if len(page.tags) < _MAX_TAGS:
            page.tags.append(tag + "[" + ",".join(sorted(a for a, _ in attrs)) + "]")
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in ("script", "style"):
            self._skip_text += 1
            self._in_script = tag == "script"
        for key in ("src", "href"):
            if a.get(key) and tag in ("script", "link", "img", "source", "iframe"):
                name = urlsplit(a[key]).path.rsplit("/", 1)[-1].lower()
                if name:
                    page.resources.add(name)
        if tag == "base" and a.get("href"):
            page.base_url = a["href"]
        if tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get"),
                "password": False,
            }
            page.forms.append(self._form)
        if tag == "input" and a.get("type", "").lower() == "password" and self._form is not None:
            self._form["password"] = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip_text:
            self._skip_text -= 1
            self._in_script = False
        if tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.page.scripts.append(data)
        elif not self._skip_text:
            self.page.words.update(w.lower() for w in _WORD.findall(data))


def load_page(path: Path) -> Page:
    """Read a saved page: an HTML file, or a browser-saved folder (largest .html inside)."""
    page = Page(source=str(path))
    try:
        if path.is_dir():
            htmls = sorted(
                (p for p in path.rglob("*") if p.suffix.lower() in (".html", ".htm")),
                key=lambda p: (-p.stat().st_size, str(p)),
            )
            if not htmls:
                page.findings.append(Finding("page-empty", "info", f"no HTML file in {path.name}"))
                return page
            main = htmls[0]
            page.resources.update(
                p.name.lower() for p in path.rglob("*") if p.is_file() and p != main
            )
            path = main
        raw = path.read_bytes()[:MAX_PAGE]
    except OSError as exc:
        page.findings.append(Finding("page-unreadable", "info", f"cannot read page: {exc}"))
        return page
    return parse_page(raw, page)


def parse_page(raw: bytes, page: Page | None = None) -> Page:
    """Parse HTML bytes (any encoding; undecodable bytes are replaced)."""
    page = page or Page(source="<bytes>")
    page.raw = raw
    text = raw.decode("utf-8", errors="replace")
    try:
        parser = _PageParser(page)
        parser.feed(text)
        parser.close()
    except Exception as exc:  # noqa: BLE001 - html.parser on hostile input: keep what we have
        page.findings.append(Finding("page-malformed", "low", f"HTML parse stopped: {exc}"))
    return page


def fetch_page(url: str, timeout: float = 15.0) -> Page:
    """Download one page (only with ``--fetch``); network errors become a finding."""
    page = Page(source=url, base_url=url)
    req = urllib.request.Request(url, headers={"User-Agent": "Mozilla/5.0 contrefeu"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            raw = resp.read(MAX_PAGE)
    except (OSError, ValueError) as exc:
        page.findings.append(Finding("page-unreachable", "info", f"cannot fetch {url}: {exc}"))
        return page
    return parse_page(raw, page)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _tlsh_similarity(a: bytes, b: bytes) -> float | None:
    import tlsh

    ha, hb = tlsh.hash(a), tlsh.hash(b)
    if not ha or not hb or ha == "TNULL" or hb == "TNULL":
        return None  # too short or too uniform for TLSH
    # TLSH distance: 0 identical; under ~100 usually the same document edited; 300+ unrelated.
    return max(0.0, 1.0 - tlsh.diff(ha, hb) / 300.0)


def _hosts_of(page: Page, genuine_domain: str | None) -> set[str]:
    hosts = set()
    if genuine_domain:
        hosts.add(genuine_domain.lower())
    if page.base_url:
        hosts.add((urlsplit(page.base_url).hostname or "").lower())
    for form in page.forms:
        host = urlsplit(form["action"]).hostname
        if host:
            hosts.add(host.lower())
    hosts.discard("")
    return hosts


def _same_site(host: str, hosts: set[str]) -> bool:
    return any(host == h or host.endswith("." + h) or h.endswith("." + host) for h in hosts)


def compare_pages(suspect: Page, genuine: Page, genuine_domain: str | None = None) -> CloneReport:
    """Compare two parsed pages; see the module docstring for the evidence used."""
    from rapidfuzz.distance import Indel

    findings = list(suspect.findings) + list(genuine.findings)
    comps: dict[str, float] = {}
    comps["dom"] = (
        Indel.normalized_similarity(suspect.tags, genuine.tags)
        if suspect.tags and genuine.tags
        else 0.0
    )
    comps["text"] = _jaccard(suspect.words, genuine.words)
    comps["resources"] = _jaccard(suspect.resources, genuine.resources)
    fuzzy = _tlsh_similarity(suspect.raw, genuine.raw) if suspect.raw and genuine.raw else None
    weights = {"dom": 0.35, "text": 0.25, "resources": 0.15, "tlsh": 0.25}
    if fuzzy is None:
        weights.pop("tlsh")
    else:
        comps["tlsh"] = fuzzy
    likelihood = sum(comps[k] * w for k, w in weights.items()) / sum(weights.values())

    genuine_hosts = _hosts_of(genuine, genuine_domain)
    for form in suspect.forms:
        if not form["password"]:
            continue
        action = form["action"]
        target = urljoin(suspect.base_url or "", action) if suspect.base_url else action
        host = (urlsplit(target).hostname or "").lower()
        if host and genuine_hosts and not _same_site(host, genuine_hosts):
            findings.append(
                Finding(
                    "credential-form-foreign",
                    "high",
                    f"a password form posts to {host}, not to {', '.join(sorted(genuine_hosts))}",
                )
            )
            likelihood = min(1.0, likelihood + 0.1)
        elif not host and action and not action.startswith(("/", "#")) and "." in action:
            findings.append(
                Finding(
                    "credential-form-script",
                    "medium",
                    f"a password form posts to the local script '{action[:80]}'",
                )
            )
    obfuscated = [s for s in suspect.scripts if _OBFUSCATION.search(s)]
    if obfuscated:
        findings.append(
            Finding(
                "obfuscated-javascript",
                "medium",
                f"{len(obfuscated)} inline script(s) use eval/atob/unescape or long encoded strings",
            )
        )
    shared = sorted(suspect.resources & genuine.resources)
    if shared:
        findings.append(
            Finding(
                "shared-resources",
                "info",
                f"loads the genuine page's files: {', '.join(shared[:8])}",
            )
        )
    verdict = "clone" if likelihood >= 0.6 else "similar" if likelihood >= 0.35 else "different"
    return CloneReport(suspect.source, genuine.source, likelihood, verdict, comps, findings)


def compare_paths(suspect: Path, genuine: Path, genuine_domain: str | None = None) -> CloneReport:
    """Load both saved pages and compare them."""
    return compare_pages(load_page(suspect), load_page(genuine), genuine_domain)
