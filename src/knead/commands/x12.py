"""``knead x12``: write 837P claims and 270 inquiries; read 835, 271, 999 and 277CA files.

Readers exit 0 when the file was read (balancing problems are part of the output), 2 when it
cannot be read (the reason goes to stderr). Imports stay inside the handlers, and the plain
reader form ``knead x12 KIND FILE [--json]`` runs without building the argparse parser
(``run_reader``): other tools call the readers once per file, so start-up time counts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from knead.billing.x12.envelope import ControlNumbers


def _fail(command: str, path: str, error: Exception) -> int:
    print(f"knead x12 {command}: {path}: {error}", file=sys.stderr)
    return 2


def _no_database(command: str, error: Exception) -> int:
    print(
        f"knead x12 {command}: cannot take control numbers from the database ({error}); "
        "run `knead migrate` first? Nothing written.",
        file=sys.stderr,
    )
    return 2


def _open_x12(path: str) -> TextIO:
    # newline="" keeps CR/LF as they are; the tokenizer drops line breaks itself.
    return open(path, encoding="utf-8", newline="")


class _HeldOutput:
    """Output held back until the input has been read completely, so that a malformed file
    never yields partial output: in memory up to ``limit`` characters (most files), then in a
    temporary file, which keeps memory flat for large ones."""

    def __init__(self, limit: int = 8 << 20) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._limit = limit
        self._file: TextIO | None = None

    def write(self, text: str) -> None:
        if self._file is not None:
            self._file.write(text)
            return
        self._parts.append(text)
        self._size += len(text)
        if self._size > self._limit:
            import tempfile

            self._file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
            self._file.writelines(self._parts)
            self._parts = []

    def release(self, out: TextIO) -> None:
        if self._file is None:
            # Blocks of parts: one write per part would be a system call each when stdout is
            # unbuffered (PYTHONUNBUFFERED), and one huge string costs two more copies.
            for start in range(0, len(self._parts), 256):
                out.write("".join(self._parts[start : start + 256]))
            return
        import shutil

        self._file.seek(0)
        shutil.copyfileobj(self._file, out, 1 << 20)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._parts = []


def _read_835(path: str, as_json: bool) -> int:
    import gc

    from knead.billing.x12.errors import Problem, X12Error
    from knead.billing.x12.remittance import stream_835

    # The parse creates many small acyclic objects; collection only costs time here.
    collecting = gc.isenabled()
    gc.disable()
    problems: list[Problem] = []
    held = _HeldOutput()
    try:
        with _open_x12(path) as source:
            if as_json:
                from knead.billing.x12.remittance_json import write_remittance_json

                write_remittance_json(stream_835(source, problems), problems, held)
            else:
                _summarise_835(stream_835(source, problems), problems, held)
        held.release(sys.stdout)
    except (X12Error, OSError) as error:
        return _fail("835", path, error)
    finally:
        held.close()
        if collecting:
            gc.enable()
    return 0


def _summarise_835(events, problems, out: _HeldOutput) -> None:  # type: ignore[no-untyped-def]
    """A readable summary: payments, claims, provider adjustments, then what each CARC/RARC
    seen means (with the typical fix) and the problems found."""
    from knead.billing.x12.remittance import ClaimPayment, PaymentEnd, PaymentHeader

    seen: set[tuple[str, str]] = set()
    remarks: set[str] = set()
    for event in events:
        if isinstance(event, PaymentHeader):
            out.write(
                f"Payment {event.trace} from {event.payer.name}: {event.amount} "
                f"{event.method} on {event.date}\n"
            )
        elif isinstance(event, ClaimPayment):
            adjustments = ", ".join(
                f"{a.group}-{a.reason} {a.amount}" for a in event.all_adjustments()
            )
            seen.update((a.group, a.reason) for a in event.all_adjustments())
            remarks.update(event.remarks)
            remarks.update(r for line in event.services for r in line.remarks)
            out.write(
                f"  claim {event.id} status {event.status}: billed {event.charge}, paid "
                f"{event.paid}" + (f" ({adjustments})" if adjustments else "") + "\n"
            )
        elif isinstance(event, PaymentEnd):
            for plb in event.provider_adjustments:
                out.write(f"  provider adjustment {plb.reason} {plb.reference}: {plb.amount}\n")
    from knead.billing.x12.adjustment_codes import carc, rarc

    for group, reason in sorted(seen):
        text = carc(group, reason)
        if text:
            out.write(
                f"{group}-{reason}: {text.description}\n"
                + (f"    typical fix: {text.fix}\n" if text.fix else "")
            )
    for code in sorted(remarks):
        text = rarc(code)
        if text:
            out.write(f"{code}: {text.description}\n")
    for problem in sorted(problems, key=lambda p: p.position):
        out.write(f"problem: {problem}\n")


def _reader(
    command: str,
    loader: Callable[[TextIO], object],
    to_json: Callable[[object], object],
    summary: Callable[[object], str],
):  # type: ignore[no-untyped-def]
    def handler(path: str, as_json: bool) -> int:
        import json

        from knead.billing.x12.errors import X12Error

        try:
            with _open_x12(path) as source:
                result = loader(source)
        except (X12Error, OSError) as error:
            return _fail(command, path, error)
        if as_json:
            json.dump(to_json(result), sys.stdout, indent=1, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(summary(result))
        return 0

    return handler


def _read_271(path: str, as_json: bool) -> int:
    from knead.billing.x12 import eligibility

    return _reader(
        "271", eligibility.read_271, eligibility.benefits_json, eligibility.benefits_summary
    )(path, as_json)


def _read_999(path: str, as_json: bool) -> int:
    from knead.billing.x12 import acknowledgement

    return _reader(
        "999",
        acknowledgement.read_999,
        acknowledgement.acknowledgement_json,
        acknowledgement.acknowledgement_summary,
    )(path, as_json)


def _read_277(path: str, as_json: bool) -> int:
    from knead.billing.x12 import claim_status

    return _reader(
        "277",
        claim_status.read_277ca,
        claim_status.claim_status_json,
        claim_status.claim_status_summary,
    )(path, as_json)


def _write_837(args: argparse.Namespace) -> int:
    import datetime as dt
    import json
    from pathlib import Path

    from django.db import DatabaseError

    from knead.billing.claim_json import ClaimFormatError, load_claims
    from knead.billing.errors import InvalidCode
    from knead.billing.rules import load_rules
    from knead.billing.scrub import Severity, scrub
    from knead.billing.x12.errors import X12Error
    from knead.billing.x12.professional_claim import (
        claim_problem,
        settings_from_claim,
        settings_from_dict,
        write_837p,
    )
    from knead.commands.scrub import parse_as_of

    as_of = parse_as_of(args.as_of, "x12 837")
    if as_of is None:
        return 2
    try:
        claims = load_claims(Path(args.claims))
    except (ClaimFormatError, InvalidCode, OSError) as error:
        return _fail("837", args.claims, error)
    rules = load_rules()
    accepted = []
    for claim in claims:
        findings = scrub(claim, rules, as_of)
        reasons = [f"{f.rule}: {f.message}" for f in findings if f.severity is Severity.ERROR]
        if claim.billing_mode.value != "direct":
            reasons.append(f"billing mode is {claim.billing_mode.value}, not direct")
        if not reasons:
            problem = claim_problem(claim)
            reasons += [problem] if problem else []
        if reasons:
            print(
                f"knead x12 837: claim {claim.id} not written: {'; '.join(reasons)}",
                file=sys.stderr,
            )
        else:
            accepted.append(claim)
    if not accepted:
        return 1
    config = _clearinghouse_config(args.config)
    try:
        if config.exists() or args.config:
            settings = settings_from_dict(json.loads(config.read_text()))
        else:
            print(
                f"knead x12 837: no {config}; sending straight to the payer of claim "
                f"{accepted[0].id} (see docs/x12.md for clearinghouse settings)",
                file=sys.stderr,
            )
            settings = settings_from_claim(accepted[0])
        if args.test:
            from dataclasses import replace

            settings = replace(settings, partners=replace(settings.partners, production=False))
        text = write_837p(accepted, settings, _control_numbers(), dt.datetime.now()).text
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text + "\n")
    except (X12Error, OSError, ValueError) as error:
        return _fail("837", args.claims, error)
    except DatabaseError as error:
        return _no_database("837", error)
    return 1 if len(accepted) < len(claims) else 0


def _control_numbers() -> ControlNumbers:
    """The database's control-number sequence, the one the web app's batches use, so a file
    written here never repeats an ISA13 or GS06 the app has sent (or will send)."""
    from knead.commands import django_setup

    django_setup()
    from knead.claims.control_numbers import DbControlNumbers

    return DbControlNumbers()


def _clearinghouse_config(given: str | None) -> Path:
    """The clearinghouse settings file: ``--config``, else ``$KNEAD_DATA_DIR/clearinghouse.json``."""
    import os
    from pathlib import Path

    if given:
        return Path(given)
    return Path(os.environ.get("KNEAD_DATA_DIR") or Path.cwd() / "var") / "clearinghouse.json"


def _write_270(args: argparse.Namespace) -> int:
    import datetime as dt
    import json
    from pathlib import Path

    from django.db import DatabaseError

    from knead.billing.x12.eligibility import inquiry_from_dict, write_270
    from knead.billing.x12.envelope import TradingPartners
    from knead.billing.x12.errors import X12Error
    from knead.billing.x12.professional_claim import settings_from_dict

    try:
        data = json.loads(Path(args.inquiries).read_text())
        many = isinstance(data, list)
        inquiries = [
            inquiry_from_dict(item, f"[{i}]" if many else "")
            for i, item in enumerate(data if many else [data])
        ]
        if not inquiries:
            raise X12Error("the file holds no inquiry")
        config = _clearinghouse_config(args.config)
        if config.exists() or args.config:
            partners = settings_from_dict(json.loads(config.read_text())).partners
        elif len({(i.provider_npi, i.payer_id) for i in inquiries}) > 1:
            raise X12Error(
                "inquiries from several providers or to several payers need the "
                "clearinghouse settings (--config) for the interchange's sender "
                "and receiver"
            )
        else:
            first = inquiries[0]
            partners = TradingPartners(first.provider_npi, first.payer_id[:15])
        if args.test:
            from dataclasses import replace

            partners = replace(partners, production=False)
        text = write_270(inquiries, partners, _control_numbers(), dt.datetime.now()).text
        if args.output:
            Path(args.output).write_text(text)
        else:
            sys.stdout.write(text + "\n")
    except (X12Error, OSError, ValueError) as error:
        return _fail("270", args.inquiries, error)
    except DatabaseError as error:
        return _no_database("270", error)
    return 0


READERS: dict[str, tuple[str, Callable[[str, bool], int]]] = {
    "835": ("read an 835 remittance: payments, claims, adjustments, balancing problems", _read_835),
    "271": ("read a 271 eligibility response: coverage and benefits per service type", _read_271),
    "999": (
        "read a 999 implementation acknowledgment: accepted or rejected, with errors",
        _read_999,
    ),
    "277": (
        "read a 277CA claim acknowledgment: each claim accepted, rejected or only received",
        _read_277,
    ),
}


def run_reader(argv: list[str]) -> int | None:
    """Run ``KIND FILE`` or ``KIND FILE --json`` (the words after ``x12``) and return the exit
    code; None for any other form (help, options, mistakes), which the parser then handles.

    Building the argparse parser takes longer than reading a small file.
    """
    if (
        len(argv) in (2, 3)
        and argv[0] in READERS
        and not argv[1].startswith("-")
        and argv[2:] in ([], ["--json"])
    ):
        return READERS[argv[0]][1](argv[1], len(argv) == 3)
    return None


def register(subparsers: argparse._SubParsersAction) -> None:
    x12 = subparsers.add_parser(
        "x12",
        help="read and write HIPAA X12 5010 files (835, 837P, 270/271, 999, 277CA)",
        description="Read and write HIPAA X12 5010 files. Guide: docs/x12.md.",
    )
    kinds = x12.add_subparsers(dest="x12_command", metavar="KIND", required=True)
    for kind, (text, read) in READERS.items():
        reader = kinds.add_parser(
            kind,
            help=text,
            description=text + ". Exits 2 with the reason on stderr when the file cannot be read.",
        )
        reader.add_argument("file", metavar="FILE")
        reader.add_argument("--json", action="store_true", help="print one JSON document")
        reader.set_defaults(handler=lambda args, read=read: read(args.file, args.json))

    claims = kinds.add_parser(
        "837",
        help="write an 837P interchange from claim JSON",
        description="Write one 837P (005010X222A1) interchange from a file holding one claim or "
        "a list of claims (claim JSON). Claims the scrubber rejects are not written: the "
        "command names each one with the reasons and exits 1.",
    )
    claims.add_argument("claims", metavar="CLAIMS.json")
    claims.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    claims.add_argument(
        "--config",
        metavar="FILE",
        help="clearinghouse settings JSON (submitter, receiver, IDs); see docs/x12.md",
    )
    claims.add_argument(
        "--test", action="store_true", help="mark the interchange as test data (ISA15 T)"
    )
    claims.add_argument(
        "--as-of",
        metavar="DATE",
        help="scrub as of this date, YYYY-MM-DD (default today), e.g. to re-check "
        "a batch as of the day it was built",
    )
    claims.set_defaults(handler=_write_837)

    inquiry = kinds.add_parser(
        "270",
        help="write a 270 eligibility inquiry from inquiry JSON",
        description="Write one 270 (005010X279A1) interchange from a file holding one inquiry "
        "or a list of them (provider, payer, subscriber, service_date, trace; see docs/x12.md). "
        "An inquiry that cannot be written is named with the reason; the command exits 2.",
    )
    inquiry.add_argument("inquiries", metavar="INQUIRY.json")
    inquiry.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    inquiry.add_argument(
        "--config", metavar="FILE", help="clearinghouse settings JSON (sender and receiver IDs)"
    )
    inquiry.add_argument(
        "--test", action="store_true", help="mark the interchange as test data (ISA15 T)"
    )
    inquiry.set_defaults(handler=_write_270)
