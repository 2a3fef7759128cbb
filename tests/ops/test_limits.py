"""Request size limits: an oversized request is refused from its Content-Length, unread; a
large upload under the limit streams to a temporary file."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from django.test.client import encode_multipart

from knead.ops.limits import megabytes

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


class GeneratedBody(io.RawIOBase):
    """A request body of ``size`` zero bytes, generated as it is read (never held whole); it
    counts the bytes read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = b"\0" * n
        self.read_bytes += n
        return n


def test_a_request_over_the_limit_is_refused_unread_with_its_size_in_plain_words(client):
    body = GeneratedBody(100 * MB)
    response = client.generic(
        "POST",
        "/billing/remittance/upload/",
        content_type="application/octet-stream",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "This file is 100 MB; the largest Knead accepts is 50 MB." in response.text
    assert body.read_bytes == 0


def test_the_limit_follows_the_setting(client, settings):
    settings.MAX_UPLOAD_BYTES = 2 * MB
    body = GeneratedBody(3 * MB)
    response = client.generic(
        "POST", "/accounts/login/", CONTENT_LENGTH=str(body.size), **{"wsgi.input": body}
    )
    assert response.status_code == 413
    assert "This file is 3 MB; the largest Knead accepts is 2 MB." in response.text


def test_a_request_under_the_limit_goes_through(client):
    response = client.post("/accounts/login/", {"username": "nobody", "password": "wrong-one"})
    assert response.status_code == 200  # the sign-in page again, with its error


@pytest.mark.parametrize(
    ("size", "words"),
    [(100 * MB, "100"), (50 * MB, "50"), (50 * MB + 1, "50.1"), (1536 * 1024, "1.5")],
)
def test_sizes_read_in_megabytes_rounded_up_to_a_tenth(size, words):
    assert megabytes(size) == words


def _upload_request(size: int):
    file = io.BytesIO(b"x" * size)
    file.name = "remittance.835"
    data = encode_multipart("knead-boundary", {"file": file})
    return RequestFactory().post(
        "/", data=data, content_type="multipart/form-data; boundary=knead-boundary"
    )


def test_an_upload_over_the_memory_limit_streams_to_a_temporary_file():
    upload = _upload_request(3 * MB).FILES["file"]
    assert isinstance(upload, TemporaryUploadedFile)
    assert upload.size == 3 * MB


def test_a_small_upload_stays_in_memory():
    assert isinstance(_upload_request(1000).FILES["file"], InMemoryUploadedFile)
