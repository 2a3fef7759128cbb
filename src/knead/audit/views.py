from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from knead.accounts.roles import requires
from knead.audit.models import Action, AuditEvent


@requires("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    """The practice's audit trail, newest first; owners only."""
    events = AuditEvent.objects.filter(practice=request.practice).select_related("user")
    action = request.GET.get("action", "")
    if action in Action.values:
        events = events.filter(action=action)
    user = request.GET.get("user", "")
    if user.isdigit():
        events = events.filter(user_id=int(user))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    members = request.practice.memberships.select_related("user")
    return render(
        request,
        "audit/log.html",
        {
            "page_obj": page,
            "actions": Action.choices,
            "action": action,
            "members": members,
            "user_filter": user,
        },
    )
