"""The claim JSON format: examples, schema, round trips and errors that name the field path."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from knead.billing.claim import ClaimFrequency, InjuryKind, Relationship
from knead.billing.claim_json import ClaimFormatError, claim_from_dict, claim_to_dict, load_claims

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "docs/examples/claims").glob("*.json"))
SCHEMA = json.loads((ROOT / "src/knead/billing/schema/claim.schema.json").read_text())


def example(name: str) -> dict:
    return json.loads((ROOT / f"docs/examples/claims/{name}.json").read_text())


def test_the_five_required_kinds_of_example_exist():
    names = {p.stem for p in EXAMPLES}
    assert {"commercial", "auto-pip", "workers-comp", "secondary-payer"} <= names
    assert "referral-authorization" in names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates_against_the_schema_and_loads(path: Path):
    data = json.loads(path.read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    claim = claim_from_dict(data)
    assert claim.id == data["id"]
    assert len(claim.lines) == len(data["lines"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_to_dict_then_from_dict_gives_the_same_claim(path: Path):
    claim = load_claims(path)[0]
    again = claim_from_dict(json.loads(json.dumps(claim_to_dict(claim))))
    assert again == claim


def test_schema_embedded_in_the_doc_is_the_shipped_schema():
    doc = (ROOT / "docs/claim-json.md").read_text()
    embedded = doc.split("## JSON Schema", 1)[1].split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(embedded) == SCHEMA


def test_commercial_example_facts():
    claim = claim_from_dict(example("commercial"))
    # 1 line of 120.00 → total 120.00
    assert claim.total_charge == Decimal("120.00")
    assert claim.diagnoses == ("M5450", "M62830")  # dots removed for the wire
    assert claim.billing_provider.address.zip == "981011234"
    assert claim.billing_provider.tax_id == "911234567"
    assert claim.billing_provider.phone == "2065550100"
    assert claim.frequency is ClaimFrequency.ORIGINAL
    assert claim.coverage.subscriber.patient_relationship.x12 == "18"
    assert claim.lines[0].modifier_codes == ("GP",)


def test_auto_pip_example_carries_accident_facts():
    claim = claim_from_dict(example("auto-pip"))
    assert claim.injury.kind is InjuryKind.AUTO and claim.injury.kind.x12 == "AA"
    assert claim.injury.state == "WA"
    assert str(claim.coverage.payer.filing_indicator) == "AM"
    # 90.00 + 35.00
    assert claim.total_charge == Decimal("125.00")


def test_secondary_example_carries_cob():
    claim = claim_from_dict(example("secondary-payer"))
    other = claim.coverage.other_payers[0]
    assert other.paid_amount == Decimal("68.00")
    assert other.line_adjudications[0].adjustments[0].reason == "45"
    assert claim.coverage.subscriber.patient_relationship is Relationship.CHILD
    assert claim.coverage.priority.x12 == "S"


def test_a_list_of_claims_loads_from_json_text():
    text = json.dumps([example("commercial"), example("workers-comp")])
    claims = load_claims(text)
    assert [c.id for c in claims] == ["V2026-000123", "V2026-000305"]


def test_identifiers_the_scrubber_reports_still_load():
    data = example("commercial")
    data["billing_provider"]["npi"] = "1234567890"  # bad check digit
    data["diagnoses"] = ["M54.5", "S16.1"]  # header, missing 7th character
    data["lines"][0]["code"] = "99999"  # unknown procedure
    data["diagnoses"] += [f"M54.{n}" for n in range(10, 21)]  # 13 diagnoses
    claim = claim_from_dict(data)
    assert claim.billing_provider.npi == "1234567890"
    assert len(claim.diagnoses) == 13


def _error(data, mutate) -> str:
    data = copy.deepcopy(data)
    mutate(data)
    with pytest.raises(ClaimFormatError) as caught:
        claim_from_dict(data)
    return str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["lines"][0].update(minutes=-5),
            r"^lines\[0\]\.minutes: must be a whole number ≥ 0",
        ),
        (
            lambda d: d["lines"][0].update(minutes=7.5),
            r"^lines\[0\]\.minutes: must be a whole number",
        ),
        (
            lambda d: d["lines"][0].update(charge="12.345"),
            r"^lines\[0\]\.charge: must be an amount",
        ),
        (
            lambda d: d["lines"][0].update(pointers=[0]),
            r"^lines\[0\]\.pointers\[0\]: must be a whole number ≥ 1",
        ),
        (
            lambda d: d["lines"][0].update(modifiers=["GP", "Q9"]),
            r"^lines\[0\]\.modifiers\[1\]: 'Q9' is not a modifier",
        ),
        (
            lambda d: d["patient"].update(birth_date="1985-02-30"),
            r"^patient\.birth_date: must be a real date",
        ),
        (
            lambda d: d["patient"]["address"].update(zip="9810"),
            r"^patient\.address\.zip: must be a 5- or 9-digit",
        ),
        (
            lambda d: d.update(place_of_service="88"),
            r"^place_of_service: '88' is not a place-of-service",
        ),
        (
            lambda d: d["coverage"]["payer"].update(filing_indicator="XX"),
            r"^coverage\.payer\.filing_indicator:",
        ),
        (
            lambda d: d["coverage"]["subscriber"].pop("member_id"),
            r"^coverage\.subscriber\.member_id: is required",
        ),
        (lambda d: d.update(frequency="2"), r"^frequency: must be one of '1', '7', '8'"),
        (lambda d: d.update(lines=[]), r"^lines: needs at least one service line"),
        (lambda d: d.update(diagnosis=["M54.2"]), r"^diagnosis: is not a field of Claim"),
        (
            lambda d: d["billing_provider"].update(person={"last": "A", "first": "B"}),
            r"^billing_provider: give either",
        ),
        (
            lambda d: d["billing_provider"].update(taxonomy="2257"),
            r"^billing_provider\.taxonomy: '2257' is not shaped",
        ),
        (lambda d: d.update(note_signed="yes"), r"^note_signed: must be true or false"),
    ],
)
def test_bad_json_names_the_field_path(mutate, expected):
    assert re.search(expected, _error(example("commercial"), mutate))


def test_errors_in_a_list_start_with_the_index():
    bad = example("workers-comp")
    bad["lines"][0]["units"] = -1
    with pytest.raises(
        ClaimFormatError, match=r"^\[1\]\.lines\[0\]\.units: must be a whole number ≥ 0"
    ):
        load_claims(json.dumps([example("commercial"), bad]))


def test_invalid_json_text_is_a_format_error():
    with pytest.raises(ClaimFormatError, match="not valid JSON"):
        load_claims('{"id": ')


def test_money_given_as_a_json_number_is_read_exactly():
    data = example("commercial")
    data["lines"][0]["charge"] = 0.1
    claim = load_claims(json.dumps(data))[0]
    assert claim.lines[0].charge == Decimal("0.10")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_shown_in_the_doc_are_the_example_files(path: Path):
    doc = (ROOT / "docs/claim-json.md").read_text()
    marker = f"`docs/examples/claims/{path.name}`\n\n```json\n"
    assert marker in doc
    shown = doc.split(marker, 1)[1].split("\n```", 1)[0]
    assert json.loads(shown) == json.loads(path.read_text())
