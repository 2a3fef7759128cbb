"""The REST API: tokens, practice scoping, roles, the claim JSON format and the OpenAPI schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client as HttpClient

from knead.api.models import ApiToken
from knead.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "claims"


@pytest.fixture
def token(users, practice, records) -> str:
    return ApiToken.issue(user=users["biller"], practice=practice, name="tests")[1]


def call(token: str, method: str, path: str, body: object | None = None, **params):
    client = HttpClient()
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        return getattr(client, method)(
            path, data=json.dumps(body), content_type="application/json", **kwargs
        )
    return getattr(client, method)(path, params, **kwargs)


def test_units_follow_the_cli_contract(token):
    # CMS example 1 (billing-rules.md §3.1) and the AMA column of §3.2 for the same minutes.
    assert call(token, "post", "/api/units", {"minutes": {"97112": 24, "97110": 23}}).json() == {
        "units": {"97112": 2, "97110": 1}
    }
    assert call(
        token, "post", "/api/units", {"method": "ama", "minutes": {"97112": 24, "97110": 23}}
    ).json() == {"units": {"97112": 2, "97110": 2}}
    bad = call(token, "post", "/api/units", {"minutes": {"99999": 10}})
    assert bad.status_code == 422 and "99999" in bad.json()["detail"]


def test_a_claim_is_scrubbed_and_bad_json_names_the_field(token):
    claim = json.loads((EXAMPLES / "auto-pip.json").read_text())
    findings = call(token, "post", "/api/claims/scrub?as_of=2026-10-20", claim).json()
    assert [f["rule"] for f in findings] == ["MASSAGE_WITH_MANUAL_THERAPY"]
    claim["lines"][1]["minutes"] = -5
    bad = call(token, "post", "/api/claims/scrub", claim)
    assert bad.status_code == 422 and bad.json()["detail"].startswith("lines[1].minutes:")


def test_a_visit_comes_back_as_claim_json_and_the_export_is_audited(token, records):
    visit = records["visit"]
    claim = call(token, "get", f"/api/visits/{visit.pk}/claim").json()
    assert claim["id"] == f"V{visit.pk:07d}" and claim["diagnoses"] == ["M5450"]
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(visit.pk)).exists()


def test_a_token_never_reaches_another_practice(token, records, other_records):
    assert call(token, "get", f"/api/visits/{other_records['visit'].pk}/claim").status_code == 404
    listed = call(token, "get", "/api/clients", q="QuillB").json()
    assert listed["count"] == 0
    visits = call(token, "get", "/api/visits", date_from="2026-01-01", date_to="2026-12-31").json()
    assert [v["id"] for v in visits] == [records["visit"].pk]


def test_missing_wrong_and_revoked_tokens_are_refused(token):
    assert HttpClient().get("/api/clients").status_code == 401
    assert call("kn_nothing_here", "get", "/api/clients").status_code == 401
    ApiToken.objects.get().revoke()
    assert call(token, "get", "/api/clients").status_code == 401


def test_the_signed_in_session_works_too(as_role, records):
    assert as_role("owner").get("/api/clients").json()["count"] == 1


def test_the_openapi_schema_describes_the_endpoints_and_the_claim(client):
    schema = client.get("/api/openapi.json").json()
    assert {
        "/api/units",
        "/api/claims/scrub",
        "/api/clients",
        "/api/visits",
        "/api/visits/{visit_id}/claim",
    } <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert "Claim" in components and "ClaimServiceLine" in components
    assert "#/$defs/" not in json.dumps(components)


def test_the_cli_makes_a_token_shown_once_and_revokes_it(users, practice, records, capsys):
    from knead.cli import main

    assert (
        main(["api-token", "create", "biller_a", "--practice", "Practice A", "--name", "sync"]) == 0
    )
    text = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("kn_"))
    assert call(text, "get", "/api/clients").status_code == 200
    assert ApiToken.objects.get(name="sync").secret_hash not in text
    assert main(["api-token", "revoke", text]) == 0
    assert call(text, "get", "/api/clients").status_code == 401
    assert main(["api-token", "create", "nobody", "--practice", "Practice A"]) == 2
