"""Benchmark of document text and metadata extraction (they run on every attachment).

Builds typical office documents in memory (a 40-page docx with tables, a 5,000-row xlsx, a
30-slide pptx, an odt, a 20-page PDF, an RTF letter, an HTML page) and prints, per format, the
median time of `extract_text` and `extract_metadata`, beside two baselines measured in the same
run: the SHA-256 of the same bytes (which every item pays anyway) and the library a naive
implementation would call (python-docx for docx paragraphs, openpyxl read_only/data_only for
xlsx cells). With ``../shared`` beside the repository it also times the real OLE .doc.

Usage: python bench/docs.py [--repeat N]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contrefeu.leak.docmeta import extract_metadata  # noqa: E402
from contrefeu.leak.doctext import extract_text  # noqa: E402

SHARED_DOC = ROOT.parent / "shared" / "data" / "leak" / "docs" / "zobnin-roadmap-attachment.doc"
LOREM = (
    "Le comité de campagne se réunira jeudi au siège pour arrêter le budget des déplacements, "
    "la liste des intervenants et le calendrier des réunions publiques de la région. "
)


def make_docx() -> bytes:
    import docx

    document = docx.Document()
    for page in range(40):
        document.add_heading(f"Section {page + 1}", level=2)
        for _ in range(12):
            document.add_paragraph(LOREM * 2)
        table = document.add_table(rows=4, cols=3)
        for row in table.rows:
            for cell in row.cells:
                cell.text = "Montant 1 200 €"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in range(5000):
        sheet.append([f"FAC-{row:05d}", "Imprimerie Dupont", row * 1.5, "2024-05-02", True,
                      "Paris", "virement", f"Facture {row}"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_pptx() -> bytes:
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    members = {
        "[Content_Types].xml": "<Types/>",
        "ppt/presentation.xml": f'<p:presentation xmlns:p="{p}"/>',
    }
    for n in range(1, 31):
        body = "".join(
            f'<a:p><a:r><a:rPr lang="fr-FR"/><a:t>{LOREM}</a:t></a:r></a:p>' for _ in range(8)
        )
        members[f"ppt/slides/slide{n}.xml"] = (
            f'<p:sld xmlns:a="{a}" xmlns:p="{p}"><p:cSld><p:spTree><p:sp><p:txBody>{body}'
            "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        )
    return _zip(members)


def make_odt() -> bytes:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')  # fmt: skip
    body = "".join(f"<text:p>{LOREM}<text:span>gras</text:span></text:p>" for _ in range(400))
    content = f"<office:document-content {ns}><office:body><office:text>{body}</office:text></office:body></office:document-content>"
    meta = (
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta>'
        "<meta:generator>LibreOffice/7.3.7.2</meta:generator></office:meta></office:document-meta>"
    )
    return _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": content,
                 "meta.xml": meta})  # fmt: skip


def make_pdf() -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    }))  # fmt: skip
    line = LOREM.encode("cp1252")[:90].decode("latin-1")
    for _ in range(20):
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        ops = "".join(f"BT /F1 10 Tf 40 {760 - 14 * i} Td ({line}) Tj ET\n" for i in range(50))
        stream = DecodedStreamObject()
        stream.set_data(ops.encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    writer.add_metadata({"/Author": "Claire Martin", "/Producer": "LibreOffice 7.3"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_rtf() -> bytes:
    body = (
        LOREM.encode("cp1252").replace(b"\xe9", b"\\'e9").replace(b"\xe8", b"\\'e8") + b"\\par\n"
    ) * 300
    return (b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}{\\info{\\author Claire}}\\f0 "
            + body + b"}")  # fmt: skip


def make_html() -> bytes:
    paragraphs = "".join(f"<p>{LOREM}</p>" for _ in range(300))
    return (f'<html lang="fr"><head><meta name="author" content="Claire"><script>var x=1;</script>'
            f"</head><body>{paragraphs}</body></html>").encode()  # fmt: skip


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm caches and imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def python_docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def openpyxl_text(data: bytes) -> str:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            rows.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    samples: list[tuple[str, bytes, Callable[[bytes], object] | None, str]] = [
        ("docx", make_docx(), python_docx_text, "python-docx"),
        ("xlsx", make_xlsx(), openpyxl_text, "openpyxl ro"),
        ("pptx", make_pptx(), None, ""),
        ("odt", make_odt(), None, ""),
        ("pdf", make_pdf(), None, ""),
        ("rtf", make_rtf(), None, ""),
        ("html", make_html(), None, ""),
    ]
    if SHARED_DOC.is_file():
        samples.append(("doc (real)", SHARED_DOC.read_bytes(), None, ""))
    print(f"{'format':<11}{'size KB':>9}{'chars':>9}{'sha256 ms':>11}{'text ms':>10}"
          f"{'meta ms':>10}{'text/sha':>10}   baseline")  # fmt: skip
    for name, data, baseline, label in samples:
        chars = len(extract_text(data).text)
        sha = median_ms(lambda d=data: hashlib.sha256(d).digest(), args.repeat)
        text = median_ms(lambda d=data: extract_text(d), args.repeat)
        meta = median_ms(lambda d=data: extract_metadata(d), args.repeat)
        other = ""
        if baseline is not None:
            base = median_ms(lambda d=data, b=baseline: b(d), max(3, args.repeat // 3))
            other = f"{label} {base:.1f} ms ({base / text:.1f}x slower than ours)"
        print(f"{name:<11}{len(data) / 1024:>9.0f}{chars:>9}{sha:>11.3f}{text:>10.1f}"
              f"{meta:>10.1f}{text / max(sha, 1e-6):>10.0f}   {other}")  # fmt: skip


if __name__ == "__main__":
    main()
