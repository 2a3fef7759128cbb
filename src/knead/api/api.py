"""The REST API (django-ninja). Its OpenAPI schema is served at ``/api/openapi.json``.

Claims travel in the claim JSON format of docs/claim-json.md, the same as the CLI and the tests.
Every call is scoped to the caller's practice, checked against their role and audited.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from importlib import resources
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError

from knead import __version__
from knead.accounts.roles import allowed
from knead.api.auth import SessionAuth, TokenAuth
from knead.audit.models import Action
from knead.audit.services import record
from knead.billing.claim import BillingMode
from knead.billing.claim_json import ClaimFormatError, claim_from_dict, claim_to_dict
from knead.billing.errors import InvalidCode
from knead.billing.scrub import scrub
from knead.billing.units import UnitRule, allocate_units
from knead.clients.models import Client
from knead.practice import clock
from knead.practice.rules import rules_for_practice
from knead.visits.models import Visit
from knead.visits.to_claim import claim_for_visit, with_claim_facts
from knead.web import PAGE_SIZE, search

api = NinjaAPI(
    title="Knead API",
    version=__version__,
    description="Billing and notes for massage therapists. Authenticate with `Authorization: Bearer "
    "kn_…` (make a token with `knead api-token create`), or use the signed-in session.",
    auth=[TokenAuth(), SessionAuth()],
    docs_url=None,  # the interactive docs page needs inline scripts, which the CSP forbids
    urls_namespace="api",
)


def _component(name: str) -> str:
    return "Claim" if name == "Claim" else f"Claim{name}"


@cache
def claim_components() -> dict[str, Any]:
    """The claim JSON Schema's definitions as OpenAPI components (``Claim``, ``ClaimAddress`` …)."""
    text = resources.files("knead.billing").joinpath("schema/claim.schema.json").read_text()
    definitions = json.loads(text)["$defs"]
    rewritten = json.dumps(definitions)
    for name in definitions:
        rewritten = rewritten.replace(
            f'"#/$defs/{name}"', f'"#/components/schemas/{_component(name)}"'
        )
    return {_component(name): body for name, body in json.loads(rewritten).items()}


def _require(request: HttpRequest, permission: str) -> None:
    if not allowed(request, permission):
        raise HttpError(403, f"Your role cannot do this ({permission}).")


class UnitsIn(Schema):
    method: UnitRule = UnitRule.CMS
    minutes: dict[str, int]


class UnitsOut(Schema):
    units: dict[str, int]


class FindingOut(Schema):
    rule: str
    severity: str
    message: str
    fix: str
    line: int | None
    box: str | None
    loop: str | None


class ClientOut(Schema):
    id: int
    first_name: str
    last_name: str
    date_of_birth: dt.date


class ClientPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ClientOut]


class VisitOut(Schema):
    id: int
    date: dt.date
    client_id: int
    provider_id: int
    signed: bool


@api.post("/units", response=UnitsOut, summary="Minutes to billable units")
def units(request: HttpRequest, body: UnitsIn) -> dict[str, Any]:
    """The same contract as `knead units`: one entry per code, units by the CMS or AMA rule."""
    try:
        return {"units": allocate_units(body.minutes, body.method)}
    except InvalidCode as error:
        raise HttpError(422, str(error)) from None


@api.post(
    "/claims/scrub",
    response=list[FindingOut],
    summary="Scrub a claim",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Claim"}}},
        }
    },
)
def scrub_claim(request: HttpRequest, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Check a claim (claim JSON) with the practice's rules; bad JSON is refused naming the field."""
    try:
        claim = claim_from_dict(json.loads(request.body or b"null"))
    except json.JSONDecodeError as error:
        raise HttpError(422, f"The body is not JSON: {error}") from None
    except ClaimFormatError as error:
        raise HttpError(422, str(error)) from None
    findings = scrub(
        claim, rules_for_practice(request.practice), as_of or clock.today(request.practice)
    )
    return [finding.to_dict() for finding in findings]


@api.get("/clients", response=ClientPage, summary="Clients, searchable and paginated")
def clients(request: HttpRequest, q: str = "", page: int = 1) -> dict[str, Any]:
    _require(request, "clients.view")
    queryset = Client.objects.for_practice(request.practice)
    if q:
        queryset = search(
            queryset, q, ("first_name", "last_name", "phone", "email", "coverages__member_id")
        )
    paginator = Paginator(
        queryset.only("id", "first_name", "last_name", "date_of_birth"), PAGE_SIZE
    )
    current = paginator.get_page(page)
    record(request, Action.SEARCH if q else Action.LIST, object_type="clients.client", detail="api")
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": list(current),
    }


@api.get("/visits", response=list[VisitOut], summary="Visits in a date range")
def visits(
    request: HttpRequest, date_from: dt.date, date_to: dt.date, client: int | None = None
) -> list[dict[str, Any]]:
    _require(request, "visits.view")
    if (date_to - date_from).days > 366:
        raise HttpError(422, "Ask for at most a year of visits at a time.")
    queryset = Visit.objects.for_practice(request.practice).filter(date__range=(date_from, date_to))
    if client is not None:
        queryset = queryset.filter(client_id=client)
    record(request, Action.LIST, object_type="visits.visit", detail="api")
    return [
        {
            "id": v.pk,
            "date": v.date,
            "client_id": v.client_id,
            "provider_id": v.provider_id,
            "signed": v.signed_at is not None,
        }
        for v in queryset.order_by("date", "id")
    ]


@api.get(
    "/visits/{visit_id}/claim",
    summary="A visit as claim JSON",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The claim",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Claim"}}},
            }
        }
    },
)
def visit_claim(request: HttpRequest, visit_id: int, superbill: bool = False) -> dict[str, Any]:
    """The claim for one visit, billed directly or (``superbill=true``) by the client."""
    _require(request, "visits.view")
    visit = get_object_or_404(
        with_claim_facts(Visit.objects.for_practice(request.practice)), pk=visit_id
    )
    record(request, Action.EXPORT, visit, detail="claim JSON (api)")
    mode = BillingMode.SUPERBILL if superbill else BillingMode.DIRECT
    return claim_to_dict(claim_for_visit(visit, billing_mode=mode))


_original_openapi = api.get_openapi_schema


def _openapi_with_claim(*args: Any, **kwargs: Any) -> dict[str, Any]:
    schema = _original_openapi(*args, **kwargs)
    schema.setdefault("components", {}).setdefault("schemas", {}).update(claim_components())
    return schema


api.get_openapi_schema = _openapi_with_claim
