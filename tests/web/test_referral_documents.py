"""Referral documents: only PDFs and images are taken; downloads are audited and never cached."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knead.audit.models import Action, AuditEvent
from knead.clients.models import Referral

pytestmark = pytest.mark.django_db


def referral_form(upload) -> dict:
    return {
        "prescriber_name": "Dr. Rowan Vale",
        "prescriber_npi": "1234567893",
        "diagnoses": "M54.50",
        "issued_on": "2026-02-01",
        "visits_allowed": "12",
        "document": upload,
    }


def test_a_program_file_is_refused_as_a_referral_document(as_role, records, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(
        "referral.exe", b"MZ\x90\x00", content_type="application/octet-stream"
    )
    response = as_role("front_desk").post(
        reverse("clients:referral_new", args=[records["client"].pk]), referral_form(upload)
    )
    assert response.status_code == 200
    assert "File extension “exe” is not allowed" in response.content.decode()
    assert not Referral.objects.filter(prescriber_name="Dr. Rowan Vale").exists()


def test_a_pdf_referral_is_stored_and_its_download_is_audited_and_not_cached(
    as_role, records, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(
        "referral.pdf", b"%PDF-1.4 synthetic", content_type="application/pdf"
    )
    client = as_role("front_desk")
    client.post(reverse("clients:referral_new", args=[records["client"].pk]), referral_form(upload))
    referral = Referral.objects.get(prescriber_name="Dr. Rowan Vale")
    response = client.get(reverse("clients:referral_document", args=[referral.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 synthetic"
    assert response.headers["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(referral.pk)).count() == 1
