"""The calibrated logistic model that turns evidence features into a score in 0..1.

What it is for: one principled place where the weight of each piece of evidence lives. The
weights are data (``words/lookalike_model.json``), fitted by ``train.py`` on the development
attack pairs against the development half of the benign set, and shifted so that the
operating point chosen on that data falls on ``DEFAULT_THRESHOLD``. A feature the file does
not know weighs nothing.

What it is not for: finding the evidence (``evidence.py``) or fitting (``train.py``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

MODEL_FILE = "lookalike_model.json"


@dataclass(frozen=True)
class LinearModel:
    """A logistic model over named features: p = 1 / (1 + exp(-(bias + sum w_f * x_f)))."""

    bias: float
    weights: Mapping[str, float]
    meta: Mapping[str, Any]

    def probability(self, features: Mapping[str, float]) -> float:
        w = self.weights
        z = self.bias
        for name, value in features.items():
            z += w.get(name, 0.0) * value
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def contributions(self, features: Mapping[str, float]) -> list[tuple[str, float]]:
        """Each feature's share of the logit, largest first (to explain a score)."""
        parts = [(n, self.weights.get(n, 0.0) * v) for n, v in features.items()]
        return sorted((p for p in parts if p[1]), key=lambda p: -abs(p[1]))

    def to_json(self) -> str:
        body = {"bias": self.bias, "weights": dict(sorted(self.weights.items())), "meta": self.meta}
        return json.dumps(body, indent=1, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LinearModel:
        data = json.loads(text)
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        return cls(float(data["bias"]), weights, dict(data.get("meta", {})))


@lru_cache(maxsize=1)
def shipped_model() -> LinearModel:
    """The model fitted on the development data and shipped with the package."""
    text = resources.files("contrefeu.domains").joinpath("words", MODEL_FILE).read_text("utf-8")
    return LinearModel.from_json(text)
