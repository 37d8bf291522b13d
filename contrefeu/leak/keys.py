"""Where DKIM public keys come from: key archives, the bundled historical keys, live DNS.

A leaked mailbox is usually years old and its signers have rotated their keys out of DNS, so
verification mostly depends on *archived* key records. This module reads archives in the
contract format (a JSON object mapping DNS name to TXT value, or a list of
``{name, txt, valid_from?, valid_until?, source?}`` objects), ships an archive of real
historical keys of large providers (``keydata/``) and, only when asked, queries live DNS.

It does not verify anything; :mod:`contrefeu.leak.dkim` does. Resolvers hold plain data only
(records in dicts) so they pickle cheaply to worker processes and Dask workers; the DNS
resolver object is created lazily in each process.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from contrefeu.errors import UsageError

BUNDLED_ARCHIVE = "keys.json"


@dataclass(frozen=True)
class KeyRecord:
    """One DKIM key TXT record and where it came from."""

    name: str  # "sel._domainkey.example.org" (lower-case, no trailing dot)
    txt: str  # the TXT value, strings joined
    source: str  # "archive:<file or label>: <source note>", "dns", "recovered"
    valid_from: str | None = None
    valid_until: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@runtime_checkable
class KeyResolver(Protocol):
    """Anything that can answer "which key did selector S of domain D publish?"."""

    def lookup(self, domain: str, selector: str) -> KeyRecord | None: ...


def txt_record_for(public_key: Any) -> str:
    """The DKIM TXT record that publishes an RSA public key (a `cryptography` key object)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode("ascii")


def key_name(domain: str, selector: str) -> str:
    """The DNS owner name of a DKIM key record, normalised for lookups."""
    return f"{selector}._domainkey.{domain}".strip().rstrip(".").lower()


def _normal_name(name: str) -> str:
    return name.strip().rstrip(".").lower()


def lookup_all(resolver: KeyResolver, domain: str, selector: str) -> list[KeyRecord]:
    """Every candidate record a resolver knows for (domain, selector), best first.

    Archives may hold several records for one name (a selector reused after a rotation);
    resolvers that only know `lookup` give at most one.
    """
    many = getattr(resolver, "lookup_all", None)
    if callable(many):
        return list(many(domain, selector))
    one = resolver.lookup(domain, selector)
    return [one] if one is not None else []


class KeyArchive:
    """An in-memory key archive (implements :class:`KeyResolver`)."""

    def __init__(self, records: Iterable[KeyRecord] = ()) -> None:
        self._by_name: dict[str, list[KeyRecord]] = {}
        for rec in records:
            bucket = self._by_name.setdefault(rec.name, [])
            if all(r.txt != rec.txt for r in bucket):
                bucket.append(rec)

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_records(cls, records: Iterable[KeyRecord]) -> KeyArchive:
        return cls(
            KeyRecord(
                name=_normal_name(r.name),
                txt=r.txt,
                source=r.source,
                valid_from=r.valid_from,
                valid_until=r.valid_until,
            )
            for r in records
        )

    @classmethod
    def from_json(cls, data: Any, label: str) -> KeyArchive:
        """Read the contract format already decoded from JSON; raises UsageError when wrong."""
        return cls(_records_from_json(data, label))

    @classmethod
    def from_file(cls, path: Path) -> KeyArchive:
        """Read a key archive file (``--keys``); raises UsageError when it cannot be used."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read key archive {path}: {exc}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"key archive {path} is not valid JSON: {exc}") from exc
        return cls.from_json(data, path.name)

    @classmethod
    def bundled(cls) -> KeyArchive:
        """The historical provider keys shipped with contrefeu (see keydata/README.md)."""
        ref = resources.files("contrefeu.leak").joinpath("keydata", BUNDLED_ARCHIVE)
        data = json.loads(ref.read_text(encoding="utf-8"))
        return cls.from_json(data, f"bundled/{BUNDLED_ARCHIVE}")

    # -- use ---------------------------------------------------------------------------
    def lookup(self, domain: str, selector: str) -> KeyRecord | None:
        found = self._by_name.get(key_name(domain, selector))
        return found[0] if found else None

    def lookup_all(self, domain: str, selector: str) -> list[KeyRecord]:
        return list(self._by_name.get(key_name(domain, selector), ()))

    def merged(self, other: KeyArchive) -> KeyArchive:
        """A new archive with this archive's records first, then the other's."""
        return KeyArchive([*self.records(), *other.records()])

    def records(self) -> list[KeyRecord]:
        return [rec for bucket in self._by_name.values() for rec in bucket]

    def to_json(self) -> list[dict[str, Any]]:
        """The contract's list form, e.g. to export recovered keys as an archive file."""
        return [rec.to_dict() for rec in self.records()]

    def __len__(self) -> int:
        return sum(len(b) for b in self._by_name.values())

    def __repr__(self) -> str:
        return f"KeyArchive({len(self)} records)"


def _records_from_json(data: Any, label: str) -> list[KeyRecord]:
    out: list[KeyRecord] = []
    if isinstance(data, dict):
        for name, txt in data.items():
            if not isinstance(name, str):
                raise UsageError(f"key archive {label}: names must be strings")
            if name.startswith("_"):  # metadata such as "_comment"
                continue
            if not isinstance(txt, str):
                raise UsageError(f"key archive {label}: the value of {name!r} is not a string")
            out.append(KeyRecord(_normal_name(name), txt, f"archive:{label}"))
        return out
    if isinstance(data, list):
        for i, obj in enumerate(data):
            if not isinstance(obj, dict):
                raise UsageError(f"key archive {label}: entry {i + 1} is not an object")
            name, txt = obj.get("name"), obj.get("txt")
            if not isinstance(name, str) or not isinstance(txt, str):
                raise UsageError(
                    f"key archive {label}: entry {i + 1} needs string fields 'name' and 'txt'"
                )
            for opt in ("valid_from", "valid_until", "source"):
                if obj.get(opt) is not None and not isinstance(obj[opt], str):
                    raise UsageError(f"key archive {label}: entry {i + 1}: {opt} is not a string")
            note = obj.get("source")
            source = f"archive:{label}: {note}" if note else f"archive:{label}"
            out.append(
                KeyRecord(
                    _normal_name(name),
                    txt,
                    source,
                    valid_from=obj.get("valid_from"),
                    valid_until=obj.get("valid_until"),
                )
            )
        return out
    raise UsageError(
        f"key archive {label}: expected a JSON object (name -> TXT) or a list of records"
    )


class DnsKeyResolver:
    """Live DNS lookups with dnspython (only with ``--dns``); answers are cached.

    A key found in DNS today says nothing about which key signed an old message, but it is
    how current mail is checked. Failures (NXDOMAIN, timeouts) are treated as "no key".
    """

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._cache: dict[str, KeyRecord | None] = {}
        self._resolver: Any = None

    def __getstate__(self) -> dict[str, Any]:
        # The dnspython resolver is process-local; the cache is plain data and travels.
        return {"timeout": self.timeout, "_cache": dict(self._cache), "_resolver": None}

    def lookup(self, domain: str, selector: str) -> KeyRecord | None:
        name = key_name(domain, selector)
        if name in self._cache:
            return self._cache[name]
        rec = self._query(name)
        self._cache[name] = rec
        return rec

    def _query(self, name: str) -> KeyRecord | None:
        import dns.exception
        import dns.resolver

        if self._resolver is None:
            self._resolver = dns.resolver.Resolver()
            self._resolver.lifetime = self.timeout
        try:
            answer = self._resolver.resolve(name + ".", "TXT")
        except (dns.exception.DNSException, OSError, ValueError):
            return None
        texts = []
        for rdata in answer:
            joined = b"".join(rdata.strings).decode("ascii", "replace")
            texts.append(joined)
        # Prefer the record that looks like a DKIM key when a name holds several TXT records.
        texts.sort(key=lambda t: ("p=" not in t, t))
        return KeyRecord(name, texts[0], "dns") if texts else None


class ChainResolver:
    """Tries resolvers in order: user archives, bundled keys, recovered keys, then DNS."""

    def __init__(self, resolvers: Sequence[KeyResolver]) -> None:
        self.resolvers = list(resolvers)

    def lookup(self, domain: str, selector: str) -> KeyRecord | None:
        for r in self.resolvers:
            rec = r.lookup(domain, selector)
            if rec is not None:
                return rec
        return None

    def lookup_all(self, domain: str, selector: str) -> list[KeyRecord]:
        out: list[KeyRecord] = []
        for r in self.resolvers:
            for rec in lookup_all(r, domain, selector):
                if all(rec.txt != o.txt for o in out):
                    out.append(rec)
        return out


def build_resolver(
    archive_paths: Sequence[Path],
    *,
    dns: bool = False,
    extra: Iterable[KeyRecord] = (),
    bundled: bool = True,
) -> ChainResolver:
    """The resolver a scan uses: ``--keys`` files, bundled keys, recovered keys, DNS last.

    Raises UsageError when an archive file cannot be read. The result is picklable.
    """
    chain: list[KeyResolver] = []
    user = KeyArchive()
    for p in archive_paths:
        user = user.merged(KeyArchive.from_file(Path(p)))
    if len(user):
        chain.append(user)
    if bundled:
        chain.append(KeyArchive.bundled())
    recovered = KeyArchive.from_records(extra)
    if len(recovered):
        chain.append(recovered)
    if dns:
        chain.append(DnsKeyResolver())
    return ChainResolver(chain)
