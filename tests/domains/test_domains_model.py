"""The fitted model: shipped weights match the evidence features, fitting and calibration work."""

from __future__ import annotations

import math

import pytest

from contrefeu.domains.linear import LinearModel, shipped_model
from contrefeu.domains.score import DEFAULT_THRESHOLD, BrandIndex
from contrefeu.domains.train import (
    TrainingSet,
    fit,
    fit_logistic,
    operating_threshold,
    shift_to_threshold,
)

# Names that exercise every evidence kind, reading and suffix kind.
SAMPLES = [
    "examplebank-login.com",
    "login-examplebank.co",
    "examplebank.duckdns.org",
    "examplebank.com.verify-account.net",
    "examplebank.com-login.xyz",
    "ab.fr-secure.top",
    "examplebank.comlogin.top",
    "secure.examplebank-docs.tk",
    "exanplebank.com",
    "examplebenk.com",
    "examp1ebank.net",
    "exampiebank.com",
    "xn--avenir-commn-nlb.fr",
    "avenir-commun.cloud",
    "avenircommun.fr",
    "mail-avenircornmun.fr",
    "abfr-support.com",
    "http://files.example.net/examplebank/login.php",
    "connexion.avenir-commun.gouv-verif.com",
    "examplebank365.co.uk",
]


@pytest.fixture(scope="module")
def index() -> BrandIndex:
    return BrandIndex(["examplebank.com", "avenir-commun.fr", "ab.fr"])


def test_shipped_model_knows_every_feature_the_finder_emits(index):
    model = shipped_model()
    emitted = {name for text in SAMPLES for c in index.candidates(text) for name in c.features}
    assert emitted, "the samples produce evidence"
    # Path evidence is scored by a fixed rule (no labelled name has a path).
    unknown = {n for n in emitted if n not in model.weights and not n.startswith("path:")}
    # Features the fit found useless were dropped (|w| < 1e-6); those would be few and rare.
    assert len(unknown) <= 3, sorted(unknown)


def test_shipped_model_was_fitted_on_development_data_only():
    meta = shipped_model().meta
    assert "dev" in meta["fitted_on"]
    assert meta["positives"] > 400 and meta["negatives"] > 50000
    assert meta["benign_budget"] <= 0.005


def test_model_json_round_trip():
    model = LinearModel(-1.5, {"a": 2.0, "b": -0.5}, {"note": "x"})
    again = LinearModel.from_json(model.to_json())
    assert again == model
    assert again.probability({"a": 1.0}) == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert again.probability({"unknown": 1.0}) == pytest.approx(1 / (1 + math.exp(1.5)))
    assert again.contributions({"a": 1.0, "b": 1.0})[0] == ("a", 2.0)


def test_fit_logistic_learns_the_informative_feature():
    rows = [{"signal": 1.0, "noise": float(i % 2)} for i in range(40)]
    rows += [{"noise": float(i % 2)} for i in range(40)]
    labels = [1] * 40 + [0] * 40
    model = fit_logistic(rows, labels, [1.0] * 80, lam=1.0)
    assert model.weights["signal"] > 2.0
    assert abs(model.weights.get("noise", 0.0)) < 0.5
    assert model.probability({"signal": 1.0}) > 0.8 > 0.2 > model.probability({})


def test_operating_threshold_respects_the_budget():
    scores = [i / 1000 for i in range(1000)]
    t = operating_threshold(scores, budget=0.01)
    assert sum(s >= t for s in scores) <= 10
    assert sum(s >= t - 0.002 for s in scores) > 10  # the lowest such threshold


def test_shift_puts_the_operating_point_on_the_default_threshold():
    model = LinearModel(0.0, {"x": 1.0}, {})
    shifted = shift_to_threshold(model, 0.25, {})
    # The name that scored exactly 0.25 before now scores DEFAULT_THRESHOLD.
    z = math.log(0.25 / 0.75)
    assert shifted.probability({"x": z}) == pytest.approx(DEFAULT_THRESHOLD, abs=1e-4)


def test_fit_on_a_tiny_training_set():
    pos = [("t1", [{"contain:lure": 1.0, "contain:bias": 1.0}]) for _ in range(10)]
    pos += [("t2", [{"typo:dist1": 1.0, "typo:bias": 1.0}]) for _ in range(5)]
    neg = [[{"contain:bias": 1.0}] for _ in range(200)] + [[] for _ in range(100)]
    model, threshold = fit(TrainingSet(pos, neg), lam=1.0, budget=0.01)
    assert model.weights["contain:lure"] > 0
    lure = model.probability({"contain:lure": 1.0, "contain:bias": 1.0})
    plain = model.probability({"contain:bias": 1.0})
    assert lure >= threshold > plain


def test_scores_are_probabilities_and_alert_follows_threshold(index):
    for text in SAMPLES:
        r = index.score(text)
        assert 0.0 <= r.score <= 1.0
        assert r.alert == (r.score >= index.threshold)
