from __future__ import annotations

from typing import Any

from django import forms

from knead.clients.models import Authorization, Case, Client, Coverage, Referral, VerificationCall
from knead.forms import PracticeForm


class ClientForm(PracticeForm):
    class Meta:
        model = Client
        fields = [
            "first_name",
            "middle_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "sex",
            "phone",
            "email",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "zip_code",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
            "consent_signed_on",
            "signature_on_file_on",
            "notes",
        ]


class ClientChildForm(PracticeForm):
    """A form for a record that belongs to one client; client-linked choices are that client's."""

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("case", "coverage"):
            if name in self.fields:
                self.fields[name].queryset = self.fields[name].queryset.filter(client=client)


class CoverageForm(ClientChildForm):
    class Meta:
        model = Coverage
        fields = [
            "payer",
            "priority",
            "member_id",
            "group_number",
            "plan_name",
            "effective_on",
            "terminates_on",
            "relationship",
            "subscriber_first_name",
            "subscriber_last_name",
            "subscriber_date_of_birth",
            "massage_covered",
            "covered_codes",
            "visits_per_year",
            "benefit_year_start",
            "deductible",
            "deductible_met",
            "coinsurance_percent",
            "copay",
            "out_of_network_percent",
            "referral_required",
            "preauth_required",
            "exclusions",
        ]


class VerificationCallForm(PracticeForm):
    class Meta:
        model = VerificationCall
        fields = ["called_on", "representative", "reference_number", "notes"]


class CaseForm(ClientChildForm):
    class Meta:
        model = Case
        fields = [
            "kind",
            "payer",
            "claim_number",
            "accident_date",
            "accident_state",
            "employer_name",
            "adjuster_name",
            "adjuster_phone",
            "adjuster_email",
            "attorney_name",
            "attorney_phone",
            "description",
            "closed_on",
        ]


class ReferralForm(ClientChildForm):
    class Meta:
        model = Referral
        fields = [
            "prescriber_name",
            "prescriber_npi",
            "case",
            "diagnoses",
            "visits_allowed",
            "frequency",
            "issued_on",
            "expires_on",
            "document",
        ]
        widgets = {"document": forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})}


class AuthorizationForm(ClientChildForm):
    class Meta:
        model = Authorization
        fields = [
            "payer",
            "number",
            "case",
            "codes",
            "visits_approved",
            "units_approved",
            "starts_on",
            "ends_on",
        ]
