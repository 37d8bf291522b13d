"""Sensitivity triage: exact spans on real-format examples, levels, categories, secrets.

Every number here is made up but well-formed (valid check digits where the test says valid);
the IBANs and the AWS key are the documented examples of their formats.
"""

from __future__ import annotations

import pickle

import pytest

from contrefeu.leak.triage import LEVELS, Triage, triage_text


def found(triage: Triage, prefix: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the spans whose kind starts with `prefix`."""
    return [(s.start, s.end, s.kind) for s in triage.spans if s.kind.startswith(prefix)]


def at(text: str, value: str, kind: str, nth: int = 0) -> tuple[int, int, str]:
    """The expected span of the `nth` occurrence of `value` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(value, start + 1)
    return (start, start + len(value), kind)


# ----------------------------------------------------------------------------- IBAN / BIC

IBAN_CASES = [
    # (text, expected values found as IBANs)
    (
        "Virement sur FR76 3000 6000 0112 3456 7890 189 merci.",
        ["FR76 3000 6000 0112 3456 7890 189"],
    ),
    ("Compte FR7630006000011234567890189.", ["FR7630006000011234567890189"]),
    ("Konto DE89 3704 0044 0532 0130 00 bitte.", ["DE89 3704 0044 0532 0130 00"]),
    ("Account GB82 WEST 1234 5698 7654 32 please.", ["GB82 WEST 1234 5698 7654 32"]),
    ("Wrong check digits: GB83 WEST 1234 5698 7654 32.", []),
    ("Wrong check digits: FR77 3000 6000 0112 3456 7890 189.", []),
    (
        "IBAN FR76 3000 6000 0112 3456 7890 189 BIC BNPAFRPPXXX",
        ["FR76 3000 6000 0112 3456 7890 189"],
    ),
]


@pytest.mark.parametrize(("text", "values"), IBAN_CASES)
def test_iban_spans(text: str, values: list[str]) -> None:
    tr = triage_text(text)
    assert found(tr, "iban") == [at(text, v, "iban") for v in values]
    for span in tr.spans:
        if span.kind == "iban":
            assert span.severity == "high" and span.category == "financial"


def test_iban_preview_is_masked() -> None:
    tr = triage_text("IBAN : FR76 3000 6000 0112 3456 7890 189")
    (span,) = [s for s in tr.spans if s.kind == "iban"]
    assert span.value_preview == "FR76 **** **** 0189"
    assert tr.level == "high"


def test_bic_needs_its_label() -> None:
    text = "BIC : BNPAFRPPXXX. Le DOCUMENT est joint."
    tr = triage_text(text)
    assert found(tr, "bic") == [at(text, "BNPAFRPPXXX", "bic")]
    assert found(triage_text("Le DOCUMENT et AGRIFRPP sans étiquette."), "bic") == []


# ----------------------------------------------------------------------------- phones

PHONE_CASES = [
    ("Appelle-moi au 06 12 34 56 78 demain.", ["06 12 34 56 78"]),
    ("Mobile : +33 6 12 34 56 78", ["+33 6 12 34 56 78"]),
    ("London office +44 20 7946 0958, ask for Sam.", ["+44 20 7946 0958"]),
    ("Fixe 01 42 68 53 00 ou 06.12.34.56.78", ["01 42 68 53 00", "06.12.34.56.78"]),
    ("Dossier 12345678901 et commande 2017-03-15.", []),
    ("Pas un numéro : 06 12 34.", []),
]


@pytest.mark.parametrize(("text", "values"), PHONE_CASES)
def test_phone_spans(text: str, values: list[str]) -> None:
    tr = triage_text(text)
    assert found(tr, "phone") == [at(text, v, "phone") for v in values]


def test_phone_inside_an_iban_is_part_of_the_iban() -> None:
    text = "RIB : FR76 3000 6000 0112 3456 7890 189"
    tr = triage_text(text)
    assert [s.kind for s in tr.spans if s.kind != "keyword:financial"] == ["iban"]


# ----------------------------------------------------------------------------- NIR, IDs

NIR_CASES = [
    ("N° de sécurité sociale : 1 85 05 78 006 084 91.", ["1 85 05 78 006 084 91"]),
    ("NIR 185057800608491 (sans espaces)", ["185057800608491"]),
    ("NIR 2 69 02 99 350 120 39", ["2 69 02 99 350 120 39"]),
    ("Mauvaise clé : 1 85 05 78 006 084 36.", []),
    ("Sans clé : 1 85 05 78 006 084.", []),
]


@pytest.mark.parametrize(("text", "values"), NIR_CASES)
def test_nir_spans(text: str, values: list[str]) -> None:
    tr = triage_text(text)
    assert found(tr, "nir") == [at(text, v, "nir") for v in values]
    if values:
        assert tr.level == "high"
        assert all(s.value_preview.endswith(values[0][-2:]) for s in tr.spans if s.kind == "nir")
        assert values[0] not in repr(tr)


def test_other_national_ids() -> None:
    text = (
        "DNI 12345678Z, NIE X1234567L, CF RSSMRA85T10A562S, registre national 85073003328, "
        "85.07.30-033.28; faux DNI 12345678A; 11 chiffres nus 85073003328."
    )
    tr = triage_text(text)
    assert found(tr, "national-id") == [
        at(text, "12345678Z", "national-id:es-dni"),
        at(text, "X1234567L", "national-id:es-nie"),
        at(text, "RSSMRA85T10A562S", "national-id:it-cf"),
        at(text, "85073003328", "national-id:be-nn"),
        at(text, "85.07.30-033.28", "national-id:be-nn"),
    ]


# ----------------------------------------------------------------------------- cards

CARD_CASES = [
    ("Carte 4970 1000 0000 0014 exp 12/19", ["4970 1000 0000 0014"]),
    ("Visa 4111111111111111.", ["4111111111111111"]),
    ("Amex 3782 822463 10005", ["3782 822463 10005"]),
    ("MasterCard 5555-5555-5555-4444", ["5555-5555-5555-4444"]),
    ("Fails Luhn: 4970 1000 0000 0018", []),
    ("Fails Luhn: 1234 5678 9012 3456", []),
    ("No card prefix (Luhn-valid): 1234 5678 9012 3452", []),
    ("Odd grouping: 41 1111 1111 1111 11", []),
]


@pytest.mark.parametrize(("text", "values"), CARD_CASES)
def test_card_spans(text: str, values: list[str]) -> None:
    tr = triage_text(text)
    assert found(tr, "card") == [at(text, v, "card") for v in values]
    for span in tr.spans:
        if span.kind == "card":
            assert span.value_preview == "**** **** **** " + values[0][-4:]
    for v in values:
        assert v not in repr(tr) and v.replace(" ", "").replace("-", "") not in repr(tr)


# ----------------------------------------------------------------------------- credentials

PASSWORD_CASES = [
    ("Identifiant : jdupont\nMot de passe : Printemps2017!\n", ["Printemps2017!"]),
    ("mdp: Azerty123, merci de le changer", ["Azerty123"]),
    ("Le mot de passe est Soleil2017 pour tout le monde.", ["Soleil2017"]),
    ("login: comms / password: Xk9#mR2q", ["Xk9#mR2q"]),
    ("The password is hunter2x.", ["hunter2x"]),
    ('pwd="s3cr3t pass" in the config', ["s3cr3t pass"]),
    ("Mot de passe :\n  Lyon-2017\n", ["Lyon-2017"]),
    ("Mot de passe : voir ci-dessous. Password: ********", []),
    ("J'ai oublié mon mot de passe, le mot de passe est changé.", []),
    ("The password is in the safe.", []),
]


@pytest.mark.parametrize(("text", "values"), PASSWORD_CASES)
def test_password_spans(text: str, values: list[str]) -> None:
    tr = triage_text(text)
    assert found(tr, "password") == [at(text, v, "password") for v in values]
    assert [(s.start, s.end) for s in tr.secrets] == [(a, b) for a, b, _ in found(tr, "password")]
    if values:
        assert tr.level == "critical" and "credentials" in tr.categories
        for v in values:
            assert v not in repr(tr)


PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
    "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm\n"
    "-----END RSA PRIVATE KEY-----"
)


def test_private_key_span_and_secret() -> None:
    import hashlib

    text = f"Voici la clé du serveur :\n{PEM}\nNe la transmets pas."
    tr = triage_text(text)
    assert found(tr, "private-key") == [at(text, PEM, "private-key")]
    (secret,) = tr.secrets
    assert secret.kind == "private-key"
    assert secret.secret_sha256 == hashlib.sha256(PEM.encode()).hexdigest()
    assert tr.level == "critical"
    assert "MIIBOgIBAAJBAKj34" not in repr(tr)


def test_truncated_private_key_is_still_found() -> None:
    body = PEM.rsplit("\n", 1)[0]  # no END line
    text = f"copie partielle :\n{body}\n\nfin du mail"
    tr = triage_text(text)
    assert found(tr, "private-key") == [at(text, body, "private-key")]


AWS = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
SLACK = "xoxb-1234567890-abcdefghijKLMN"
GOOGLE = "AIza" + "SyA1234567890abcdefghijklmnopqrstuv"


@pytest.mark.parametrize(
    ("value", "name"),
    [(AWS, "aws-access-key-id"), (GITHUB, "github-token"), (SLACK, "slack-token"),
     (GOOGLE, "google-api-key")],
)  # fmt: skip
def test_api_tokens(value: str, name: str) -> None:
    import hashlib

    text = f"Config du bot : {value} (à révoquer)"
    tr = triage_text(text)
    assert found(tr, "api-token") == [at(text, value, "api-token")]
    (secret,) = tr.secrets
    assert secret.kind == name
    assert secret.secret_sha256 == hashlib.sha256(value.encode()).hexdigest()
    assert value not in repr(tr)
    assert tr.level == "critical"


def test_generic_secret_needs_randomness() -> None:
    value = "q8F3kLm9Qz2Xw7Rt5Yp1"
    text = f'api_key = "{value}"\ntoken: placeholder_value_here\nsecret=aaaaaaaaaaaaaaaa1'
    tr = triage_text(text)
    assert found(tr, "api-token") == [at(text, value, "api-token")]
    assert tr.secrets[0].kind == "generic-secret"
    assert tr.level == "high"


# ----------------------------------------------------------------------------- other personal data


def test_dates_of_birth() -> None:
    text = (
        "Jeanne, née le 3 mars 1985 à Nantes. DOB: 1990-07-14. Born on March 3, 1985. "
        "Date de naissance : 12/03/1985. Impossible : né le 31/02/1985. Réunion le 12/03/2017."
    )
    tr = triage_text(text)
    assert found(tr, "date-of-birth") == [
        at(text, "3 mars 1985", "date-of-birth"),
        at(text, "1990-07-14", "date-of-birth"),
        at(text, "March 3, 1985", "date-of-birth"),
        at(text, "12/03/1985", "date-of-birth"),
    ]


def test_postal_addresses() -> None:
    fr = "12 rue de la Paix, 75002 Paris"
    fr2 = "3 bis avenue Jean Jaurès\n69007 Lyon"
    uk = "10 Downing Street, London SW1A 2AA"
    us = "1600 Pennsylvania Avenue NW, Washington, DC 20500"
    text = f"Adresse : {fr}. Livraison au {fr2}.\nUK: {uk}. US: {us}. Salle 12 au 2e étage."
    tr = triage_text(text)
    assert found(tr, "postal-address") == [at(text, v, "postal-address") for v in (fr, fr2, uk, us)]


def test_emails_and_org_signature() -> None:
    text = (
        "Bonjour,\nPeux-tu écrire à jean.dupont@gmail.com ? Copie à c.martin@avenir-commun.fr.\n"
        "Bien cordialement,\nClaire Martin\nc.martin@avenir-commun.fr\n"
    )
    tr = triage_text(text, org_domains=["avenir-commun.fr"])
    # The org address in the signature block is expected there: not a find; the one in the
    # body is a (low) span; the external one too.
    assert found(tr, "email") == [
        at(text, "jean.dupont@gmail.com", "email"),
        at(text, "c.martin@avenir-commun.fr", "email"),
    ]
    assert tr.level == "low"
    # Without org domains, the signature address is found like any other.
    assert len(found(triage_text(text), "email")) == 3


def test_one_email_alone_is_low() -> None:
    tr = triage_text("Écris-moi sur paul@example.net.")
    assert tr.level == "low" and tr.categories == ["personal-data"]


def test_many_people_escalate() -> None:
    rows = [f"Bénévole {i} : b{i}@example.net, 06 12 34 56 {i:02d}" for i in range(10)]
    tr = triage_text("\n".join(rows))
    assert tr.level == "high"  # 20 distinct values: a list of people
    tr = triage_text("\n".join(rows[:3]))
    assert tr.level == "medium"  # 6 values
    assert {s.severity for s in tr.spans if s.category == "personal-data"} == {"medium"}


def test_org_addresses_do_not_count_as_people() -> None:
    rows = [f"s{i}@avenir-commun.fr" for i in range(20)]
    tr = triage_text(" ".join(rows), org_domains=["avenir-commun.fr"])
    assert len(found(tr, "email")) == 20
    assert tr.level == "low"


# ----------------------------------------------------------------------------- categories


def test_french_categories() -> None:
    text = (
        "Salut, le devis du traiteur pour le meeting de Lyon est arrivé : facture de 1 250 € TTC.\n"
        "Il faut aussi caler l'interview avec la journaliste et le communiqué de presse.\n"
        "Le programme sur l'énergie et les propositions fiscales sont en relecture.\n"
        "Dernière blague de Marc, mdr."
    )
    tr = triage_text(text)
    assert tr.categories == ["events", "financial", "personal", "press", "programme"]
    financial = [s for s in tr.spans if s.category == "financial"]
    assert {s.kind for s in financial} == {"keyword:financial", "amount"}
    assert {s.severity for s in financial} == {"medium"}  # devis, facture, TTC, an amount
    assert tr.level == "medium"
    assert at(text, "Salut", "x")[0] == 0
    assert (text.index("devis"), text.index("devis") + 5, "keyword:financial") in found(
        tr, "keyword"
    )


def test_english_categories() -> None:
    text = (
        "The donor list and the budget of the fundraising dinner: the treasurer wants them tonight.\n"
        "Security: someone tried a phishing mail on the press office, enable 2FA."
    )
    tr = triage_text(text)
    assert tr.categories == ["events", "finance", "press", "security"]
    assert {s.severity for s in tr.spans if s.category == "finance"} == {"medium"}
    assert {s.severity for s in tr.spans if s.category == "press"} == {"low"}


def test_keywords_are_accent_insensitive_and_on_word_boundaries() -> None:
    tr = triage_text("Le RELEVE DE COMPTE et le relevé\nde compte.")
    assert [s.value_preview for s in tr.spans] == ["RELEVE DE COMPTE", "relevé de compte"]
    assert triage_text("Donc on y va, don't worry, abandon.").spans == []


def test_subject_and_filename_add_categories() -> None:
    tr = triage_text("Ci-joint.", subject="Devis salle Lyon", filename="facture_2017-03.pdf")
    assert tr.spans == []
    assert tr.categories == ["events", "financial"]
    assert tr.level == "low"
    tr = triage_text("Voici la facture TTC.", subject="Devis")
    assert {s.severity for s in tr.spans} == {"medium"}  # devis + facture + TTC


def test_nothing_found() -> None:
    tr = triage_text("Bonjour, à demain. Hello, see you tomorrow.")
    assert tr.level == "none" and tr.categories == [] and tr.spans == [] and tr.secrets == []
    assert triage_text("").to_export() == {"level": "none", "categories": []}


# ----------------------------------------------------------------------------- result shape

KITCHEN_SINK = (
    "Bonjour,\nIBAN FR76 3000 6000 0112 3456 7890 189, carte 4970 1000 0000 0014.\n"
    f"Mot de passe : Printemps2017!\nclé {AWS} et {GITHUB}\n{PEM}\n"
    "Appelle le 06 12 34 56 78, NIR 1 85 05 78 006 084 91, née le 12/03/1985.\n"
    "Facture n° 12 : 1 250,00 € TTC.\n"
)
SECRETS = (
    "Printemps2017!", AWS, GITHUB, "MIIBOgIBAAJBAKj34", "4970 1000 0000 0014",
    "4970100000000014", "3000 6000 0112 3456 7890", "30006000011234567890189",
    "1 85 05 78 006 084 91", "185057800608491",
)  # fmt: skip


def test_export_shape() -> None:
    tr = triage_text(KITCHEN_SINK)
    assert tr.to_export() == {
        "level": "critical",
        "categories": ["credentials", "financial", "personal-data", "security"],
    }
    assert list(tr.to_export()) == ["level", "categories"]


def test_secrets_never_in_clear() -> None:
    tr = triage_text(KITCHEN_SINK)
    shown = repr(tr) + repr(tr.to_export()) + repr(pickle.loads(pickle.dumps(tr)))
    for secret in SECRETS:
        assert secret not in shown
    assert {s.kind for s in tr.secrets} == {"password", "aws-access-key-id", "github-token",
                                            "private-key"}  # fmt: skip


def test_spans_sorted_distinct_categories_and_levels() -> None:
    tr = triage_text(KITCHEN_SINK)
    assert [s.start for s in tr.spans] == sorted(s.start for s in tr.spans)
    assert tr.categories == sorted(set(tr.categories))
    assert {s.category for s in tr.spans} == set(tr.categories)
    assert all(s.severity in LEVELS[1:] for s in tr.spans)
    ends = [s.end for s in tr.spans]
    assert all(a <= b.start for a, b in zip(ends, tr.spans[1:], strict=False))  # no overlaps


def test_result_pickles_for_worker_processes() -> None:
    tr = triage_text(KITCHEN_SINK)
    assert pickle.loads(pickle.dumps(tr)) == tr


def test_api_tokens_are_credentials_not_personal_data():
    from contrefeu.leak.triage import triage_text

    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    result = triage_text(f"Le jeton du dépôt : {token} (à ne pas diffuser)")
    assert result.level == "critical"
    assert "credentials" in result.categories
    assert "personal-data" not in result.categories
    assert token not in repr(result)
