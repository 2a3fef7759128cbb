"""``knead x12``: write 837P claims and 270 inquiries; read 835, 271, 999 and 277CA files.

Readers exit 0 when the file was read (balancing problems are part of the output), 2 when it
cannot be read (the reason goes to stderr). Imports stay inside the handlers: this module is
imported at every ``knead`` start.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TextIO


def _fail(command: str, path: str, error: Exception) -> int:
    print(f"knead x12 {command}: {path}: {error}", file=sys.stderr)
    return 2


def _open_x12(path: str) -> TextIO:
    # newline="" keeps CR/LF as they are; the tokenizer drops line breaks itself.
    return open(path, encoding="utf-8", newline="")


def _read_835(args: argparse.Namespace) -> int:
    import gc
    import shutil
    import tempfile

    from knead.billing.x12.errors import Problem, X12Error
    from knead.billing.x12.remittance import stream_835

    # The parse creates many small acyclic objects; collection only costs time here.
    collecting = gc.isenabled()
    gc.disable()
    problems: list[Problem] = []
    try:
        with _open_x12(args.file) as source, tempfile.TemporaryFile(
            "w+", encoding="utf-8"
        ) as held:
            # Output is held in a temporary file (flat memory) and only released once the
            # whole file has been read: a malformed file never yields partial output.
            if args.json:
                from knead.billing.x12.remittance_json import write_remittance_json

                write_remittance_json(stream_835(source, problems), problems, held)
            else:
                _summarise_835(stream_835(source, problems), problems, held)
            held.seek(0)
            shutil.copyfileobj(held, sys.stdout, 1 << 20)
    except (X12Error, OSError) as error:
        return _fail("835", args.file, error)
    finally:
        if collecting:
            gc.enable()
    return 0


def _summarise_835(events, problems, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    from knead.billing.x12.remittance import ClaimPayment, PaymentEnd, PaymentHeader

    for event in events:
        if isinstance(event, PaymentHeader):
            out.write(f"Payment {event.trace} from {event.payer.name}: {event.amount} "
                      f"{event.method} on {event.date}\n")
        elif isinstance(event, ClaimPayment):
            adjustments = ", ".join(f"{a.group}-{a.reason} {a.amount}"
                                    for a in event.all_adjustments())
            out.write(f"  claim {event.id} status {event.status}: billed {event.charge}, paid "
                      f"{event.paid}" + (f" ({adjustments})" if adjustments else "") + "\n")
        elif isinstance(event, PaymentEnd):
            for plb in event.provider_adjustments:
                out.write(f"  provider adjustment {plb.reason} {plb.reference}: {plb.amount}\n")
    for problem in sorted(problems, key=lambda p: p.position):
        out.write(f"problem: {problem}\n")


def _reader(command: str, loader: Callable[[TextIO], object],
            to_json: Callable[[object], object], summary: Callable[[object], str]):  # type: ignore[no-untyped-def]
    def handler(args: argparse.Namespace) -> int:
        import json

        from knead.billing.x12.errors import X12Error

        try:
            with _open_x12(args.file) as source:
                result = loader(source)
        except (X12Error, OSError) as error:
            return _fail(command, args.file, error)
        if args.json:
            json.dump(to_json(result), sys.stdout, indent=1, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            sys.stdout.write(summary(result))
        return 0

    return handler


def _read_271(args: argparse.Namespace) -> int:
    from knead.billing.x12 import eligibility

    return _reader("271", eligibility.read_271, eligibility.benefits_json,
                   eligibility.benefits_summary)(args)


def _read_999(args: argparse.Namespace) -> int:
    from knead.billing.x12 import acknowledgement

    return _reader("999", acknowledgement.read_999, acknowledgement.acknowledgement_json,
                   acknowledgement.acknowledgement_summary)(args)


def _read_277(args: argparse.Namespace) -> int:
    from knead.billing.x12 import claim_status

    return _reader("277", claim_status.read_277ca, claim_status.claim_status_json,
                   claim_status.claim_status_summary)(args)


def _write_837(args: argparse.Namespace) -> int:
    from knead.billing.x12.claim_file import write_837_command

    return write_837_command(args.claims, args.output, args.config, args.test)


def register(subparsers: argparse._SubParsersAction) -> None:
    x12 = subparsers.add_parser(
        "x12",
        help="read and write HIPAA X12 5010 files (835, 837P, 270/271, 999, 277CA)",
        description="Read and write HIPAA X12 5010 files. Guide: docs/x12.md.",
    )
    kinds = x12.add_subparsers(dest="x12_command", metavar="KIND", required=True)
    for kind, text, handler in (
        ("835", "read an 835 remittance: payments, claims, adjustments, balancing problems",
         _read_835),
        ("271", "read a 271 eligibility response: coverage and benefits per service type",
         _read_271),
        ("999", "read a 999 implementation acknowledgment: accepted or rejected, with errors",
         _read_999),
        ("277", "read a 277CA claim acknowledgment: each claim accepted or rejected",
         _read_277),
    ):
        reader = kinds.add_parser(kind, help=text, description=text + ". Exits 2 with the "
                                  "reason on stderr when the file cannot be read.")
        reader.add_argument("file", metavar="FILE")
        reader.add_argument("--json", action="store_true", help="print one JSON document")
        reader.set_defaults(handler=handler)

    claims = kinds.add_parser(
        "837",
        help="write an 837P interchange from claim JSON",
        description="Write one 837P (005010X222A1) interchange from a file holding one claim or "
        "a list of claims (claim JSON). Claims the scrubber rejects are not written: the "
        "command names each one with the reasons and exits 1.",
    )
    claims.add_argument("claims", metavar="CLAIMS.json")
    claims.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    claims.add_argument("--config", metavar="FILE",
                        help="clearinghouse settings JSON (submitter, receiver, IDs); see "
                        "docs/x12.md")
    claims.add_argument("--test", action="store_true",
                        help="mark the interchange as test data (ISA15 T)")
    claims.set_defaults(handler=_write_837)
