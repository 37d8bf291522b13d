"""Near-duplicate clusters and word diffs."""

from __future__ import annotations

from contrefeu.leak.neardup import near_duplicate_clusters, text_minhash, word_diff

BASE = (
    "Bonjour à tous, la réunion de l'équipe presse aura lieu jeudi à dix heures dans la "
    "salle du premier étage. Merci de préparer les éléments de langage sur le programme "
    "économique et la liste des journalistes invités au meeting de Lyon samedi prochain."
)


def test_short_texts_have_no_signature():
    assert text_minhash("ok merci") is None
    assert text_minhash(None) is None


def test_completed_copy_clusters_with_its_original_and_unrelated_text_does_not():
    completed = BASE + " Le candidat a aussi demandé de détruire les factures du prestataire."
    other = ("Invoice 2017-031 for the printing of 20,000 leaflets is attached; payment is due "
             "within thirty days by bank transfer to the usual account, thank you.")
    signatures = [("a", text_minhash(BASE)), ("b", text_minhash(completed)),
                  ("c", text_minhash(other))]
    assert near_duplicate_clusters(signatures) == [["a", "b"]]


def test_quoted_reply_lines_do_not_make_replies_duplicates_of_the_original():
    reply = "Merci, je serai là mais en retard de dix minutes, gardez-moi une place.\n" + "\n".join(
        "> " + line for line in BASE.split(". "))
    signatures = [("orig", text_minhash(BASE)), ("reply", text_minhash(reply))]
    assert near_duplicate_clusters(signatures) == []


def test_word_diff_names_what_was_added_removed_and_changed():
    copy = BASE.replace("jeudi", "vendredi") + " Ne dites rien à la presse."
    diff = word_diff(BASE, copy)
    assert diff.changed == (("jeudi", "vendredi"),)
    assert diff.added == ("Ne dites rien à la presse.",)
    assert diff.removed == ()
    assert "added «Ne dites rien à la presse.»" in diff.summary()
    assert word_diff(BASE, BASE).identical
