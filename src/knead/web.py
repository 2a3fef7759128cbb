"""Generic views for practice-scoped records: list with search and pagination, detail, create, edit.

They only ever query ``Model.objects.for_practice(request.practice)``, check the role's
permission, and write an audit entry for every read and write of a record.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import generic

from knead.accounts.once import once_per_form
from knead.accounts.roles import allowed
from knead.audit.models import Action
from knead.audit.services import changed_fields_detail, record
from knead.practice.services import save_record

PAGE_SIZE = 25


class ScopedMixin:
    """Restrict a generic view to the current practice's live records and to a permission."""

    model: type[models.Model]
    permission: str
    request: HttpRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.practice is None:
            raise PermissionDenied(
                "You are not a member of any practice yet. Ask the practice owner to add you."
            )
        if not allowed(request, self.permission):
            # knead.audit.middleware records the refusal, as for every other 403.
            raise PermissionDenied(f"Your role cannot do this ({self.permission}).")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def get_queryset(self) -> models.QuerySet:
        return self.model.objects.for_practice(self.request.practice)


class RecordListView(ScopedMixin, generic.ListView):
    paginate_by = PAGE_SIZE
    search_fields: tuple[str, ...] = ()

    def get_queryset(self) -> models.QuerySet:
        queryset = super().get_queryset()
        self.query = self.request.GET.get("q", "").strip()
        if self.query and self.search_fields:
            queryset = search(queryset, self.query, self.search_fields)
        return queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        # Search terms may be names: log that a search happened, never what was typed.
        record(
            self.request,
            Action.SEARCH if self.query else Action.LIST,
            object_type=self.model._meta.label_lower,
        )
        return context


def search(queryset: models.QuerySet, query: str, fields: tuple[str, ...]) -> models.QuerySet:
    """Every word of the query must match one of the fields (case-insensitive, anywhere)."""
    for word in query.split()[:6]:
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": word})
        queryset = queryset.filter(condition)
    return queryset.distinct() if any("__" in f for f in fields) else queryset


class RecordDetailView(ScopedMixin, generic.DetailView):
    def get_object(self, queryset: models.QuerySet | None = None) -> models.Model:
        obj = super().get_object(queryset)
        record(self.request, Action.VIEW, obj)
        return obj


class RecordFormMixin(ScopedMixin):
    """Save through the shared service, stamp who did it, audit it, and say so in plain words."""

    template_name = "record_form.html"
    success_message = "Saved."

    def form_valid(self, form: ModelForm) -> HttpResponse:
        creating = form.instance.pk is None
        self.prepare(form.instance)
        self.object = save_record(
            form.instance, user=self.request.user, practice=self.request.practice
        )

        record(
            self.request,
            Action.CREATE if creating else Action.UPDATE,
            self.object,
            detail="" if creating else changed_fields_detail(form.changed_data),
        )
        messages.success(self.request, self.success_message)
        return HttpResponseRedirect(self.get_success_url())

    def prepare(self, instance: models.Model) -> None:
        """Hook: set fields the form does not carry (e.g. the parent client)."""

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()  # type: ignore[misc]
        kwargs["practice"] = self.request.practice
        return kwargs

    def get_form(self, form_class: type[ModelForm] | None = None) -> ModelForm:
        form = super().get_form(form_class)  # type: ignore[misc]
        # Start typing at once: the first field has the focus, or the first one in error.
        first = next((f for f in form if f.errors), None) or next(iter(form), None)
        if first is not None:
            first.field.widget.attrs["autofocus"] = True
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("title", self.title())
        context.setdefault("cancel_url", self.cancel_url())
        return context

    def title(self) -> str:
        verb = "Edit" if getattr(self, "object", None) else "New"
        return f"{verb} {self.model._meta.verbose_name}"

    def cancel_url(self) -> str:
        """Back to the record being edited, else to the page the user came from on this site."""
        obj = getattr(self, "object", None)
        if obj is not None and hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
        referer = self.request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(referer, allowed_hosts={self.request.get_host()}):
            return referer
        return reverse("dashboard:home")


class RecordCreateView(RecordFormMixin, generic.CreateView):
    """A create form that saves once however often it is sent (``knead.accounts.once``)."""

    @method_decorator(once_per_form)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return super().dispatch(request, *args, **kwargs)


class RecordUpdateView(RecordFormMixin, generic.UpdateView):
    pass
