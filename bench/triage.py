r"""Sensitivity triage throughput against a bare regex pass, measured in the same run.

    python bench/triage.py [--items 10000] [--size 5000] [--seed 1] [--rounds 3] [--block 0]

Generates N campaign-like texts of about SIZE characters (French and English mail bodies with
signatures, quoted replies, phone numbers, addresses, amounts, and now and then an IBAN, a
password or a token), then times (a) one bare `re.findall(r"\w+")` pass over every text (the
cheapest scan anyone would run) and (b) `triage_text` on every text (`--block N` interleaves
the two by blocks of N texts, so that a noisy machine slows both alike). Each round prints
ms per item for both and their ratio; the summary gives the range over rounds, spans per text
and the level distribution (single process: the pipeline parallelises).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contrefeu.leak.triage import triage_text  # noqa: E402

SENTENCES = (
    "Bonjour à tous, je vous transmets le compte rendu de la réunion de jeudi.",
    "Merci de confirmer votre présence au meeting de {city} avant vendredi midi.",
    "La salle est réservée de 18h à 22h, l'accueil des bénévoles se fait à 17h.",
    "Le devis du traiteur s'élève à {amount} € TTC, je le valide ce soir.",
    "Peux-tu relire la note sur l'emploi des jeunes avant l'envoi aux journalistes ?",
    "Le sondage de la semaine nous donne deux points de plus, rien d'officiel.",
    "On se retrouve au local de campagne à 9h pour le tractage du marché.",
    "Pensez à garder les billets de train et les notes de frais pour le trésorier.",
    "Hi all, please find attached the agenda for tomorrow's town hall in {city}.",
    "The venue can hold 400 people; catering is confirmed for 6pm.",
    "Could you send me the talking points before the interview with the Herald?",
    "We are still waiting for the invoice from the printer, about {amount} EUR.",
    "Thanks for your help with the volunteers yesterday, it went really well.",
    "Haha, best joke of the week, I could not stop laughing during the call.",
    "Je suis d'accord avec la proposition, mais il faut revoir le chiffrage.",
    "Le déplacement à {city} est confirmé, départ en TGV à 7h12 gare de Lyon.",
    "Rappel : la conférence de presse est sous embargo jusqu'à mardi 8h.",
    "Appelle-moi au {phone} si tu as un souci avec la sono.",
    "L'adresse du meeting : {number} rue de la République, {postcode} {city}.",
    "Send the signed copy to {number} High Street, London SW1A 2AA please.",
)
RARE = (
    "Voici le RIB de l'imprimeur : FR76 3000 6000 0112 3456 7890 189, BIC BNPAFRPPXXX.",
    "Le mot de passe du compte presse est Printemps2017! ne le diffuse pas.",
    "login: comms / password: Xk9#mR2q",
    "The staging key is AKIAIOSFODNN7EXAMPLE, please rotate it.",
    "Née le 12/03/1985 à Rouen, numéro de sécurité sociale 2 85 03 76 451 123 52.",
)
CITIES = ("Lyon", "Lille", "Marseille", "Nantes", "Toulouse", "Bordeaux", "Rennes", "Dijon")
FIRST = ("Claire", "Paul", "Julie", "Marc", "Sophie", "Karim", "Anne", "Louis")


def _fill(rng: random.Random, sentence: str) -> str:
    return sentence.format(
        city=rng.choice(CITIES),
        amount=f"{rng.randint(1, 90)} {rng.randint(0, 999):03d}",
        phone="06 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4)),
        number=rng.randint(1, 120),
        postcode=f"{rng.choice((69, 59, 13, 44, 31, 33, 35, 21))}00{rng.randint(0, 9)}",
    )


def make_text(rng: random.Random, size: int) -> str:
    name = rng.choice(FIRST)
    parts = [f"Bonjour {rng.choice(FIRST)},", ""]
    while sum(len(p) for p in parts) < size - 400:
        paragraph = " ".join(_fill(rng, rng.choice(SENTENCES)) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.03:
            paragraph += " " + rng.choice(RARE)
        parts += [paragraph, ""]
        if rng.random() < 0.15:
            other = rng.choice(FIRST).lower()
            parts += [
                f"Le 3 avr. 2017 à 10:1{rng.randint(0, 9)}, {other} <{other}@avenir-commun.fr>"
                " a écrit :",
                "",
            ]
    parts += [
        "Bien cordialement,",
        name,
        "Chargé(e) de mission, Avenir Commun",
        f"{name.lower()}@avenir-commun.fr | 01 {rng.randint(40, 49)} 23 45 67",
    ]
    return "\n".join(parts)


def _round(texts: list[str], block: int) -> tuple[float, float]:
    """Seconds for the baseline and for the triage over all texts, by blocks of texts (the
    baseline then the triage on each block)."""
    words = re.compile(r"\w+")
    baseline = triage = 0.0
    for i in range(0, len(texts), block):
        chunk = texts[i : i + block]
        t0 = time.perf_counter()
        for t in chunk:
            words.findall(t)
        t1 = time.perf_counter()
        for t in chunk:
            triage_text(t, org_domains=("avenir-commun.fr",))
        t2 = time.perf_counter()
        baseline += t1 - t0
        triage += t2 - t1
    return baseline, triage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--block", type=int, default=0, help="interleave baseline and triage by blocks (0: all)"
    )
    args = parser.parse_args()

    rng = random.Random(args.seed)
    texts = [make_text(rng, args.size) for _ in range(args.items)]
    mean = sum(map(len, texts)) / len(texts)
    triage_text("warm-up: compile the rules and tables outside the timing")
    words = sum(len(re.findall(r"\w+", t)) for t in texts) / len(texts)
    print(f"{len(texts)} texts, mean {mean:,.0f} chars, {words:.0f} words each")

    ratios, per_item = [], []
    for n in range(1, args.rounds + 1):
        baseline, elapsed = _round(texts, args.block or len(texts))
        ratios.append(elapsed / baseline)
        per_item.append(elapsed / len(texts) * 1e3)
        print(
            f"round {n}: baseline re.findall(r'\\w+') {baseline / len(texts) * 1e3:.3f} ms/item, "
            f"triage_text {per_item[-1]:.3f} ms/item "
            f"({mean * len(texts) / elapsed / 1e6:.1f} MB/s), ratio {ratios[-1]:.2f}x"
        )
    results = [triage_text(t, org_domains=("avenir-commun.fr",)) for t in texts]
    levels = Counter(r.level for r in results)
    spans = sum(len(r.spans) for r in results)
    keywords = sum(s.kind.startswith("keyword:") for r in results for s in r.spans)
    print(
        f"range over {args.rounds} rounds: triage {min(per_item):.3f}-{max(per_item):.3f} ms/item, "
        f"ratio {min(ratios):.2f}-{max(ratios):.2f}x"
    )
    print(f"{spans / len(texts):.0f} spans per text ({keywords / len(texts):.0f} keyword spans)")
    print(
        "levels:",
        ", ".join(f"{k}={levels[k]}" for k in ("none", "low", "medium", "high", "critical")),
    )


if __name__ == "__main__":
    main()
