from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from knead.audit.models import Action
from knead.audit.services import record
from knead.dashboard import selectors
from knead.practice import clock

PANEL_SIZE = 8


def home(request: HttpRequest) -> HttpResponse:
    if request.practice is None:
        return render(request, "dashboard/no_practice.html")
    today = clock.today(request.practice)
    panels = {
        "today": selectors.todays_visits(request.practice, today),
        "unsigned": selectors.unsigned_notes(request.practice, today),
        "referrals": selectors.expiring_referrals(request.practice, today),
        "authorizations": selectors.expiring_authorizations(request.practice, today),
        "unverified": selectors.unverified_coverages(request.practice, today),
    }
    context = {name: list(query[:PANEL_SIZE]) for name, query in panels.items()}
    selectors.with_usage(context["referrals"], context["authorizations"])
    context.update({f"{name}_count": query.count() for name, query in panels.items()})
    context["today_date"] = today
    record(request, Action.LIST, object_type="dashboard")
    return render(request, "dashboard/home.html", context)
