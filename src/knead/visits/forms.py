"""Visit entry: the SOAP note, diagnoses and up to a page of service lines on one form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from knead.billing.codes.code_lists import code_list
from knead.billing.codes.icd10 import icd10_problem, normalize
from knead.billing.codes.procedures import catalog
from knead.forms import PracticeForm
from knead.visits.models import MAX_DIAGNOSES, MAX_LINE_POINTERS, MAX_MODIFIERS, BodyRegion, Visit

LINE_ROWS = 6


def split_diagnoses(text: str) -> list[str]:
    """Typed codes (separated by commas, spaces or new lines) in wire form, in order, once each."""
    return list(
        dict.fromkeys(normalize(part) for part in re.split(r"[\s,;]+", text or "") if part.strip())
    )


def parse_diagnoses(text: str) -> list[str]:
    """The typed diagnoses in wire form; raises ValidationError naming every problem."""
    unique = split_diagnoses(text)
    if len(unique) > MAX_DIAGNOSES:
        raise ValidationError(
            f"A claim holds at most {MAX_DIAGNOSES} diagnoses; you entered {len(unique)}."
        )
    problems = [problem for code in unique if (problem := icd10_problem(code))]
    if problems:
        raise ValidationError(problems)
    return unique


def parse_pointers(text: str) -> list[int]:
    """Accept ``A B``, ``AB``, ``1,2`` or ``1 2``: diagnosis positions, up to four."""
    text = (text or "").strip().upper()
    if not text:
        return []
    if re.fullmatch(r"[A-L ,]+", text):
        pointers = ["ABCDEFGHIJKL".index(ch) + 1 for ch in text if ch.isalpha()]
    elif re.fullmatch(r"[0-9 ,]+", text):
        pointers = [int(part) for part in re.split(r"[ ,]+", text) if part]
    else:
        raise ValidationError(
            "Point to diagnoses by letter (A–L) or number (1–12), e.g. “A B” or “1,2”."
        )
    if len(pointers) > MAX_LINE_POINTERS:
        raise ValidationError(f"A service line points to at most {MAX_LINE_POINTERS} diagnoses.")
    if any(not 1 <= p <= MAX_DIAGNOSES for p in pointers):
        raise ValidationError("Diagnosis pointers run from A (1) to L (12).")
    return list(dict.fromkeys(pointers))


def parse_modifiers(text: str) -> list[str]:
    modifiers = [m for m in re.split(r"[\s,;]+", (text or "").upper()) if m]
    if len(modifiers) > MAX_MODIFIERS:
        raise ValidationError(f"A service line takes at most {MAX_MODIFIERS} modifiers.")
    bad = [m for m in modifiers if m not in code_list("modifiers")]
    if bad:
        raise ValidationError(
            f"{', '.join(bad)} is not a modifier Knead knows (GP, 59, XS, KX, 76 …)."
        )
    return modifiers


class VisitForm(PracticeForm):
    diagnosis_codes = forms.CharField(
        label="Diagnoses (ICD-10-CM)",
        required=False,
        help_text="Up to 12 codes in order (A, B, C …), e.g. M54.50, M62.830.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "M54.50, M62.830"}),
    )
    body_regions = forms.MultipleChoiceField(
        choices=BodyRegion.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Visit
        fields = [
            "client",
            "provider",
            "date",
            "start_time",
            "place_of_service",
            "coverage",
            "case",
            "referral",
            "authorizations",
            "subjective",
            "objective",
            "assessment",
            "plan",
            "body_regions",
            "pain_before",
            "pain_after",
            "techniques",
        ]
        labels = {"pain_before": "Pain before (0–10)", "pain_after": "Pain after (0–10)"}
        widgets = {"authorizations": forms.CheckboxSelectMultiple}
        help_texts = {
            "authorizations": "Each service line is covered by the authorization whose codes "
            "include its code; the visit page shows which covers which."
        }

    def __init__(self, *args: Any, client: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            client = self.instance.client
            self.fields["diagnosis_codes"].initial = ", ".join(
                f"{c[:3]}.{c[3:]}" if len(c) > 3 else c for c in self.instance.diagnoses
            )
        if client is not None:
            self.initial["client"] = client.pk
            self.fields["client"].queryset = self.fields["client"].queryset.filter(pk=client.pk)
            for name in ("coverage", "case", "referral", "authorizations"):
                self.fields[name].queryset = self.fields[name].queryset.filter(client=client)
            if not self.instance.pk:
                self._suggest_billing(client)
        self.fields["provider"].queryset = self.fields["provider"].queryset.filter(is_active=True)
        for name in ("subjective", "objective", "assessment", "plan"):
            self.fields[name].widget.attrs["rows"] = 3

    def _suggest_billing(self, client: Any) -> None:
        """Pre-select what a new visit is most likely billed to: the open case, else the primary policy."""
        day = self.instance.date
        case = self.fields["case"].queryset.filter(closed_on__isnull=True).first()
        coverage = next(
            (
                c
                for c in self.fields["coverage"].queryset.order_by("priority")
                if c.is_active_on(day)
            ),
            None,
        )
        suggestions = {
            "case": case,
            "coverage": coverage,
            "referral": self.fields["referral"].queryset.filter(expires_on__gte=day).first(),
        }
        for name, value in suggestions.items():
            if value is not None:
                self.initial[name] = value.pk
        billed = case if case is not None and case.payer_id else None
        payer_id = billed.payer_id if billed else (coverage.payer_id if coverage else None)
        self.initial["authorizations"] = [
            a.pk
            for a in self.fields["authorizations"].queryset.filter(
                starts_on__lte=day, ends_on__gte=day, payer_id=payer_id
            )
            if a.case_id in (None, billed.pk if billed else None)
        ]

    def clean_diagnosis_codes(self) -> list[str]:
        return parse_diagnoses(self.cleaned_data.get("diagnosis_codes", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        client = cleaned.get("client")
        for name in ("coverage", "case", "referral"):
            linked = cleaned.get(name)
            if linked is not None and client is not None and linked.client_id != client.pk:
                self.add_error(name, f"That {name} belongs to another client.")
        self._check_authorizations(cleaned)
        return cleaned

    def _check_authorizations(self, cleaned: dict[str, Any]) -> None:
        """Each linked authorization is the client's, for the payer billed (the injury case's
        carrier, else the coverage's payer) and, when given for a case, for this visit's case."""
        client, case, coverage = cleaned.get("client"), cleaned.get("case"), cleaned.get("coverage")
        billed = case.payer if case is not None and case.payer_id else None
        payer = billed or (coverage.payer if coverage is not None else None)
        for auth in cleaned.get("authorizations") or ():
            if client is not None and auth.client_id != client.pk:
                self.add_error(
                    "authorizations", f"Authorization {auth.number} is another client's."
                )
            elif payer is None:
                self.add_error(
                    "authorizations",
                    f"Authorization {auth.number} is from {auth.payer}, but the visit is billed to "
                    "no payer: pick the coverage or injury case it is billed to.",
                )
            elif auth.payer_id != payer.pk:
                self.add_error(
                    "authorizations",
                    f"Authorization {auth.number} is from {auth.payer}, but the visit is billed to "
                    f"{payer}.",
                )
            elif auth.case_id is not None and (case is None or auth.case_id != case.pk):
                self.add_error(
                    "authorizations",
                    f"Authorization {auth.number} was given for the {auth.case} case; pick that "
                    "case on the visit, or unlink the authorization.",
                )


class ServiceLineForm(forms.Form):
    code = forms.CharField(
        label="Code",
        required=False,
        max_length=5,
        widget=forms.TextInput(
            attrs={"list": "procedure-codes", "autocomplete": "off", "size": 6, "class": "code"}
        ),
    )
    modifiers = forms.CharField(
        label="Modifiers", required=False, widget=forms.TextInput(attrs={"size": 8})
    )
    minutes = forms.IntegerField(
        label="Minutes",
        required=False,
        min_value=0,
        max_value=480,
        widget=forms.NumberInput(
            attrs={"class": "minutes", "inputmode": "numeric", "min": 0, "max": 480}
        ),
    )
    pointers = forms.CharField(
        label="Dx pointers", required=False, widget=forms.TextInput(attrs={"size": 6})
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip().upper()
        if code and code not in catalog():
            raise ValidationError(f"{code} is not a code Knead knows. Pick one from the list.")
        return code

    def clean_modifiers(self) -> list[str]:
        return parse_modifiers(self.cleaned_data["modifiers"])

    def clean_pointers(self) -> list[int]:
        return parse_pointers(self.cleaned_data["pointers"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            cleaned.get("code")
            and cleaned.get("minutes") is None
            and catalog().get(cleaned["code"]).timed
        ):
            self.add_error("minutes", "Enter the minutes spent on this timed service.")
        if not cleaned.get("code") and (
            cleaned.get("minutes") or cleaned.get("pointers") or cleaned.get("modifiers")
        ):
            self.add_error("code", "Enter the code for this line, or clear the line.")
        return cleaned


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        codes = [f.cleaned_data.get("code") for f in self.forms if f.cleaned_data.get("code")]
        duplicates = {c for c in codes if codes.count(c) > 1}
        if duplicates:
            raise ValidationError(
                f"{', '.join(sorted(duplicates))} appears on more than one line. Put all of a code's minutes on one line."
            )


ServiceLineFormSet = forms.formset_factory(
    ServiceLineForm, formset=BaseLineFormSet, extra=0, max_num=20
)


class AmendmentForm(forms.Form):
    reason = forms.CharField(
        max_length=200, help_text="Why the note needs this addition or correction."
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Amendment")


class CorrectionForm(forms.Form):
    """The billed facts of a signed visit as they should be, and why (the lines come in a
    ``ServiceLineFormSet`` beside it)."""

    date = forms.DateField(
        label="Visit date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    diagnosis_codes = forms.CharField(
        label="Diagnoses (ICD-10-CM)",
        help_text="Up to 12 codes in order (A, B, C …), e.g. M54.50, M62.830.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        max_length=200,
        help_text="Why the billed facts were wrong, e.g. “Booked on the wrong day”. It is kept "
        "with the correction and printed on the note.",
    )

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = visit.date
        self.fields["diagnosis_codes"].initial = ", ".join(
            f"{c[:3]}.{c[3:]}" if len(c) > 3 else c for c in visit.diagnoses
        )

    def clean_diagnosis_codes(self) -> list[str]:
        return parse_diagnoses(self.cleaned_data.get("diagnosis_codes", ""))
