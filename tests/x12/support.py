"""Shared test helpers: pyx12 validation, golden-file comparison, re-delimiting X12 text."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

from knead.billing.x12.syntax import Delimiters, SegmentStream

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
REWRITE = os.environ.get("KNEAD_REWRITE_GOLDEN") == "1"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def pyx12_errors(text: str) -> list[str]:
    """Validate X12 text with pyx12 (map chosen by GS08); return the errors it logs.

    pyx12's x12valid command exits 1 even on valid files, so we call x12n_document and read
    the messages it logs on the ``pyx12`` logger (x12-peers notes).
    """
    import pyx12.params
    import pyx12.x12n_document

    handler = _Collect()
    logger = logging.getLogger("pyx12")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        ok = pyx12.x12n_document.x12n_document(
            pyx12.params.params(), io.StringIO(text), fd_997=None, fd_html=None, fd_xmldoc=None
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    errors = [r.getMessage() for r in handler.records if r.levelno >= logging.ERROR]
    if not ok and not errors:
        errors.append("pyx12 reported the document invalid without a message")
    return errors


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with golden file ``name``; KNEAD_REWRITE_GOLDEN=1 rewrites it instead."""
    path = GOLDEN / name
    if REWRITE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if not REWRITE:
            raise AssertionError(f"golden file {path} did not exist; written, review and commit it")
    assert text == path.read_text(), (
        f"output differs from golden file {path}; if the change is deliberate, run "
        "KNEAD_REWRITE_GOLDEN=1 (make golden) and review the diff"
    )


def redelimit(text: str, new: Delimiters, line_breaks: bool = False) -> str:
    """Rewrite X12 text with other delimiters (the data must not contain the new ones)."""
    stream = SegmentStream(text)
    old = stream.delimiters
    out = []
    for seg in stream:
        if seg[0] == "ISA":
            seg = [*seg[:11], new.repetition, *seg[12:16], new.component]
        else:
            seg = [
                new.repetition.join(
                    new.component.join(c.split(old.component)) for c in e.split(old.repetition)
                )
                for e in seg
            ]
        out.append(new.element.join(seg))
    end = new.segment + ("\n" if line_breaks else "")
    return end.join(out) + end
