"""Export alerts as a STIX 2.1 bundle of indicators, or as CSV.

What it is for: handing lookalike-domain alerts to MISP or OpenCTI (both import STIX 2.1
bundles) and to spreadsheets. Each alert becomes an ``indicator`` with the pattern
``[domain-name:value = '...']``, the indicator type ``malicious-activity`` and the target,
classes and score in its description and labels.

The bundle is written by hand rather than with the stix2 library: the four fields an
indicator needs are simple JSON, and ids are deterministic (UUIDv5 of the domain), so
exporting the same alert twice gives the same indicator and importers de-duplicate it.

What it is not for: importing STIX.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

# Namespace of STIX 2.1 deterministic identifiers (STIX 2.1 spec, section 2.9).
_STIX_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
CSV_FIELDS = ("domain", "registrable", "score", "alert", "target", "classes", "reasons")


def _stix_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _pattern_value(domain: str) -> str:
    return domain.replace("\\", "\\\\").replace("'", "\\'")


def indicator(alert: dict[str, Any], when: datetime, identity_id: str) -> dict[str, Any]:
    """One STIX 2.1 indicator for one alert (a dict in the ``domains score`` JSONL shape)."""
    domain = str(alert["domain"])
    key = domain.encode("idna").decode("ascii") if not domain.isascii() else domain
    target = alert.get("target") or "a protected brand"
    classes = list(alert.get("classes") or [])
    ts = _stix_time(when)
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(_STIX_NAMESPACE, 'lookalike:' + key)}",
        "created_by_ref": identity_id,
        "created": ts,
        "modified": ts,
        "name": f"Lookalike of {target}: {domain}",
        "description": "; ".join(alert.get("reasons") or []) or f"imitates {target}",
        "indicator_types": ["malicious-activity"],
        "pattern": f"[domain-name:value = '{_pattern_value(key)}']",
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": ts,
        "confidence": int(round(float(alert.get("score") or 0) * 100)),
        "labels": ["lookalike-domain", *classes],
    }


def stix_bundle(
    alerts: Iterable[dict[str, Any]],
    producer: str = "contrefeu",
    when: datetime | None = None,
) -> dict[str, Any]:
    """A STIX 2.1 bundle: one identity (the producer) and one indicator per alerted domain."""
    now = when or datetime.now(UTC)
    identity_id = f"identity--{uuid.uuid5(_STIX_NAMESPACE, 'identity:' + producer)}"
    ts = _stix_time(now)
    objects: list[dict[str, Any]] = [
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": identity_id,
            "created": ts,
            "modified": ts,
            "name": producer,
            "identity_class": "organization",
        }
    ]
    seen: set[str] = set()
    for alert in alerts:
        if not alert.get("alert") or alert.get("error"):
            continue
        obj = indicator(alert, now, identity_id)
        if obj["id"] not in seen:
            seen.add(obj["id"])
            objects.append(obj)
    bundle_id = uuid.uuid5(_STIX_NAMESPACE, "bundle:" + ",".join(sorted(seen)))
    return {"type": "bundle", "id": f"bundle--{bundle_id}", "objects": objects}


def alerts_csv(alerts: Iterable[dict[str, Any]], only_alerts: bool = True) -> str:
    """CSV text with one row per alert (classes and reasons joined with '; ')."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for a in alerts:
        if a.get("error") or (only_alerts and not a.get("alert")):
            continue
        writer.writerow(
            [
                a.get("domain"),
                a.get("registrable"),
                a.get("score"),
                a.get("alert"),
                a.get("target"),
                "; ".join(a.get("classes") or []),
                "; ".join(a.get("reasons") or []),
            ]
        )
    return buf.getvalue()


def read_results(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Parse ``domains score`` JSONL output, skipping lines that are not result objects."""
    out = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("domain"), str):
            out.append(obj)
    return out
