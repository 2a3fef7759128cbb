"""Request logs carry the path only: never a query string or a form value."""

from __future__ import annotations

import contextlib
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

from knead.ops.logs import strip_query

CLIENT_NAME = "Zebulon Quackenbush"


def test_strip_query_cuts_every_query_string_and_keeps_the_rest():
    line = '"GET /clients/?q=Zebulon+Quackenbush&page=2 HTTP/1.1" 200 512 "/visits/?client=7"'
    assert strip_query(line) == '"GET /clients/ HTTP/1.1" 200 512 "/visits/"'
    assert strip_query("Is the server up? yes") == "Is the server up? yes"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.django_db(transaction=True)
def test_the_development_servers_log_names_paths_but_no_query_or_form_value():
    # Django's development server (its request handler logs to ``django.server``) on a free
    # loopback port.
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())
    capture = _Capture()
    logger = logging.getLogger("django.server")
    logger.addHandler(capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    query = urllib.parse.urlencode({"q": CLIENT_NAME})
    try:
        for url, data in [
            (f"{base}/clients/?{query}", None),
            (f"{base}/accounts/login/?{query}", None),
            (f"{base}/accounts/login/", urllib.parse.urlencode({"username": CLIENT_NAME}).encode()),
        ]:
            # The POST has no CSRF token: 403, logged like any other request.
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(url, data=data, timeout=10)
    finally:
        server.shutdown()  # returns once the request in hand is handled and logged
        server.server_close()
        logger.removeHandler(capture)
    log = "\n".join(capture.lines)
    assert '"GET /clients/ HTTP/1.1" 302' in log
    assert '"GET /accounts/login/ HTTP/1.1" 200' in log
    assert '"POST /accounts/login/ HTTP/1.1" 403' in log
    for word in ("Zebulon", "Quackenbush"):
        assert word not in log
