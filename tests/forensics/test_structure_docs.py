"""Folder structure and document metadata outliers."""

from __future__ import annotations

from contrefeu.leak.docforensics import DocFacts, doc_findings, script_of
from contrefeu.leak.structure import FolderItem, folder_of, structure_findings
from contrefeu.org import OrgProfile, Person

ORG = OrgProfile(domains=("avenir-commun.fr",), people=(
    Person("Claire Martin", ("c.martin@avenir-commun.fr",)),
    Person("Julien Dubois", ("j.dubois@avenir-commun.fr",)),
))


def test_folder_of_follows_the_item_path_contract():
    assert folder_of("a/b/c.eml") == "a/b"
    assert folder_of("x.eml") == "."
    assert folder_of("box.mbox!3") == "box.mbox"
    assert folder_of("z/a.zip!in/b.eml") == "z/a.zip!in"
    assert folder_of("z/a.zip!b.eml") == "z/a.zip"


def test_script_of_names():
    assert script_of("Георгий Петров") == "Cyrillic"
    assert script_of("Claire Martin") == "Latin"
    assert script_of("1234") is None


def _doc(i, author, lmb, created="2017-03-01T10:00:00Z", modified="2017-03-02T10:00:00Z",
         app="Microsoft Office Word", carried=None):
    return DocFacts(i, f"Docs/{i}.docx", {"author": author, "last_modified_by": lmb,
                                          "application": app, "created": created,
                                          "modified": modified, "languages": ["fr-FR"]},
                    carried)


def test_document_outliers():
    docs = [_doc(i, "Claire Martin", "Julien Dubois") for i in range(1, 10)]
    docs.append(_doc(20, "Claire Martin", "Георгий Петров", created="2017-06-01T10:00:00Z",
                     app="Soft Xpansion Perfect PDF"))
    docs.append(_doc(21, "Julien Dubois", "Julien Dubois", modified="2017-03-05T10:00:00Z",
                     carried="2017-03-03T10:00:00+00:00"))
    found = doc_findings(docs, ORG, last_mail_utc="2017-05-06T18:00:00+00:00")
    assert sorted(f.code for f in found[20]) == [
        "docmeta-created-after-dump", "docmeta-foreign-script", "docmeta-rare-tool"]
    assert [f.code for f in found[21]] == ["docmeta-modified-after-sent"]
    assert set(found) == {20, 21}


def test_a_disconnected_folder_with_outliers_is_planted():
    items = [FolderItem(i, "d", f"box/{i}.eml", "email", f"s{i}", True) for i in range(5)]
    items += [FolderItem(10 + i, "d", f"Transfert/{i}.docx", "document", f"t{i}", False,
                         frozenset({"docmeta-foreign-script"})) for i in range(3)]
    items += [FolderItem(20 + i, "d", f"Docs/{i}.pdf", "document", f"u{i}", False)
              for i in range(2)]
    found = structure_findings(items)
    assert [f.code for f in found[10]] == ["structure-disconnected-folder",
                                           "structure-planted-folder"]
    assert [f.code for f in found[20]] == ["structure-disconnected-folder"]
    assert all(i not in found for i in range(5))
