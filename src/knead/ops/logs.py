"""Request logs carry the path only: a query string (``?q=<a client's name>``) can hold PHI."""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"']+")


def strip_query(text: str) -> str:
    """``text`` with every query string (from ``?`` to the next space or quote) removed."""
    return _QUERY.sub("", text)


class PathOnlyFilter(logging.Filter):
    """Rewrites each record's message without query strings; used on the request loggers
    (``django.server``, ``django.request``, gunicorn's) in ``settings.LOGGING`` and
    ``knead.ops.server``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = strip_query(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
