"""Hand-built `to_dict` methods equal `dataclasses.asdict`, which they replace for speed."""

from __future__ import annotations

from dataclasses import asdict

from hypothesis import given
from hypothesis import strategies as st

from contrefeu.leak.headers import HeaderFacts, Hop
from contrefeu.model import SignatureResult

TEXT = st.text(max_size=20)
OPTIONAL_INT = st.none() | st.integers(0, 10**6)


@given(
    st.builds(
        SignatureResult,
        domain=TEXT, selector=TEXT, algorithm=TEXT, result=st.sampled_from(["pass", "fail"]),
        detail=TEXT, index=st.integers(0, 9), kind=st.sampled_from(["dkim", "arc"]),
        key_bits=OPTIONAL_INT, key_source=st.none() | TEXT, canonicalization=TEXT,
        signed_headers=st.lists(TEXT, max_size=5), body_length=OPTIONAL_INT,
        body_length_total=OPTIONAL_INT, expired=st.booleans(), signed_at=st.none() | TEXT,
        bh_match=st.none() | st.booleans(),
    )
)
def test_signature_to_dict_is_asdict(signature: SignatureResult) -> None:
    out = signature.to_dict()
    assert out == asdict(signature) and list(out) == list(asdict(signature))
    out["signed_headers"].append("x")  # a copy, as asdict's: the record is not changed
    assert signature.signed_headers == asdict(signature)["signed_headers"]


OPTIONAL_TEXT = st.none() | TEXT


@given(
    st.builds(
        HeaderFacts,
        date_offset_minutes=st.none() | st.integers(-900, 900), mailer=OPTIONAL_TEXT,
        mailer_family=OPTIONAL_TEXT, message_id_domain=OPTIONAL_TEXT,
        message_id_shape=OPTIONAL_TEXT, return_path_domain=OPTIONAL_TEXT,
        hops=st.lists(st.builds(Hop, by=OPTIONAL_TEXT, from_host=OPTIONAL_TEXT,
                                when=OPTIONAL_TEXT), max_size=4),
        in_reply_to=OPTIONAL_TEXT, references=st.lists(TEXT, max_size=4),
    )
)
def test_header_facts_to_dict_is_asdict(facts: HeaderFacts) -> None:
    out = facts.to_dict()
    assert out == asdict(facts) and list(out) == list(asdict(facts))
    assert HeaderFacts.from_dict(out) == facts
