"""Thread consistency checks."""

from __future__ import annotations

from contrefeu.leak.threads import ThreadMessage, thread_findings

ORIGINAL = ("Pouvez-vous confirmer la réservation de la salle Gaveau pour le 12 avril, avec "
            "la sonorisation et deux cents chaises, avant vendredi midi s'il vous plaît")


def _msg(i, mid, date, reply=None, refs=()):
    return ThreadMessage(i, f"box/{i}.eml", mid, date, reply, list(refs))


def test_reply_before_its_original_and_invented_quote():
    messages = [
        _msg(1, "<a@x>", "2017-04-02T10:00:00+00:00"),
        _msg(2, "<b@x>", "2017-04-01T09:00:00+00:00", "<a@x>", ["<a@x>"]),
    ]
    bodies = {1: ORIGINAL,
              2: "Oui.\n> Merci de virer les fonds sur le compte offshore comme convenu avec "
                 "le trésorier et de ne rien dire au comité de campagne avant lundi"}
    found = thread_findings(messages, bodies.__getitem__)
    assert [f.code for f in found[2]] == ["thread-reply-before-original", "thread-quote-mismatch"]
    assert found[2][0].related_path == "box/1.eml"


def test_faithful_reply_raises_nothing():
    messages = [
        _msg(1, "<a@x>", "2017-04-02T10:00:00+00:00"),
        _msg(2, "<b@x>", "2017-04-02T11:00:00+00:00", "<a@x>", ["<a@x>"]),
    ]
    bodies = {1: ORIGINAL, 2: "C'est confirmé.\n\n> " + ORIGINAL.replace(", avec", ",\n> avec")}
    assert thread_findings(messages, bodies.__getitem__) == {}


def test_missing_parent_while_the_rest_of_the_thread_is_present():
    messages = [
        _msg(1, "<root@x>", "2017-04-01T10:00:00+00:00"),
        _msg(3, "<c@x>", "2017-04-03T10:00:00+00:00", "<gone@x>", ["<root@x>", "<gone@x>"]),
    ]
    found = thread_findings(messages, lambda i: "")
    assert [f.code for f in found[3]] == ["thread-missing-parent"]
