"""NCCI procedure-to-procedure (PTP) edits and medically unlikely edits (MUE), with dates.

Knead ships only the pairs and limits the rule book (billing-rules.md §1.2, §2.2) gives, each
row naming its source. The official CMS quarterly practitioner files are imported with
``import_ptp_file`` / ``import_mue_file`` (``knead rules import-ptp|import-mue``) into a rules
data directory, which the rules loader then reads instead of the shipped rows.

Dates: an edit applies to a date of service on or after its effective date and, when it has a
deletion date, on or before that date (CMS deletion dates are the last day in force).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from knead.billing.errors import InvalidCode

PTP_FIELDS = (
    "column1",
    "column2",
    "effective",
    "deleted",
    "modifier_indicator",
    "rationale",
    "source",
)
MUE_FIELDS = ("code", "limit", "mai", "rationale", "effective", "source")
_HCPCS = re.compile(r"[0-9A-Z]\d{3}[0-9A-Z]")


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """Column 2 is denied with column 1 on the same day unless a modifier bypass is allowed
    (indicator 1) and used; indicator 0 allows no bypass; 9 means the edit does not apply."""

    column1: str
    column2: str
    effective: dt.date
    deleted: dt.date | None
    modifier_indicator: int
    rationale: str
    source: str

    def in_force(self, on: dt.date) -> bool:
        return (
            self.modifier_indicator != 9
            and self.effective <= on
            and (self.deleted is None or on <= self.deleted)
        )


@dataclass(frozen=True, slots=True)
class MueLimit:
    """Most units of ``code`` one provider may report for one patient on one day.

    ``mai`` is the MUE adjudication indicator: 1 per line, 2 per day (policy, hard), 3 per day
    (clinical, appealable); None when the source did not give it. ``limit`` None means the
    code has no MUE from ``effective`` on: a later quarterly file no longer lists it.
    """

    code: str
    limit: int | None
    mai: int | None
    rationale: str
    effective: dt.date
    source: str

    @property
    def per_day(self) -> bool:
        return self.mai != 1


@dataclass(frozen=True, slots=True)
class NcciTables:
    """PTP edits keyed by (column 1, column 2) and MUE rows keyed by code, newest first."""

    ptp: dict[tuple[str, str], tuple[PtpEdit, ...]]
    mue: dict[str, tuple[MueLimit, ...]]

    def ptp_edit(self, first: str, second: str, on: dt.date) -> PtpEdit | None:
        """The edit in force on ``on`` between two codes, in either order, or None."""
        for key in ((first, second), (second, first)):
            for edit in self.ptp.get(key, ()):
                if edit.in_force(on):
                    return edit
        return None

    def mue_limit(self, code: str, on: dt.date) -> MueLimit | None:
        """The newest MUE row effective on ``on``, or None (no MUE means no limit)."""
        for row in self.mue.get(code, ()):
            if row.effective <= on:
                return row if row.limit is not None else None
        return None


def _date(text: str, what: str) -> dt.date:
    text = text.strip()
    try:
        if re.fullmatch(r"\d{8}", text):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidCode(f"{what} {text!r} is not a date (YYYYMMDD or YYYY-MM-DD).") from None


def build_tables(ptp_rows: Iterable[PtpEdit], mue_rows: Iterable[MueLimit]) -> NcciTables:
    ptp: dict[tuple[str, str], list[PtpEdit]] = {}
    for edit in ptp_rows:
        ptp.setdefault((edit.column1, edit.column2), []).append(edit)
    mue: dict[str, list[MueLimit]] = {}
    for row in mue_rows:
        mue.setdefault(row.code, []).append(row)
    return NcciTables(
        {k: tuple(sorted(set(v), key=lambda e: e.effective, reverse=True)) for k, v in ptp.items()},
        {k: tuple(sorted(set(v), key=lambda r: r.effective, reverse=True)) for k, v in mue.items()},
    )


def read_ptp_csv(text: str) -> list[PtpEdit]:
    """Read Knead's ptp.csv (shipped or imported)."""
    rows = []
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            rows.append(
                PtpEdit(
                    row["column1"],
                    row["column2"],
                    _date(row["effective"], "effective"),
                    _date(row["deleted"], "deleted") if row["deleted"] else None,
                    int(row["modifier_indicator"]),
                    row["rationale"],
                    row["source"],
                )
            )
        except (KeyError, ValueError) as error:
            raise InvalidCode(f"ptp.csv line {n}: {error}") from None
    return rows


def read_mue_csv(text: str) -> list[MueLimit]:
    """Read Knead's mue.csv (shipped or imported)."""
    rows = []
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            rows.append(
                MueLimit(
                    row["code"],
                    int(row["limit"]) if row["limit"] else None,
                    int(row["mai"]) if row["mai"] else None,
                    row["rationale"],
                    _date(row["effective"], "effective"),
                    row["source"],
                )
            )
        except (KeyError, ValueError) as error:
            raise InvalidCode(f"mue.csv line {n}: {error}") from None
    return rows


def write_ptp_csv(rows: Iterable[PtpEdit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PTP_FIELDS)
    for e in sorted(rows, key=lambda e: (e.column1, e.column2, e.effective)):
        deleted = e.deleted.isoformat() if e.deleted else ""
        writer.writerow(
            [
                e.column1,
                e.column2,
                e.effective.isoformat(),
                deleted,
                e.modifier_indicator,
                e.rationale,
                e.source,
            ]
        )
    return out.getvalue()


def write_mue_csv(rows: Iterable[MueLimit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MUE_FIELDS)
    for r in sorted(rows, key=lambda r: (r.code, r.effective)):
        limit = "" if r.limit is None else r.limit
        mai = "" if r.mai is None else r.mai
        writer.writerow([r.code, limit, mai, r.rationale, r.effective.isoformat(), r.source])
    return out.getvalue()


def parse_cms_ptp(lines: Iterable[str], source: str) -> Iterator[PtpEdit]:
    """Parse a CMS practitioner PTP .TXT (ccipra-vNNNrN-f1..f4), tab-separated:
    column 1, column 2, prior-1996 flag, effective YYYYMMDD, deletion YYYYMMDD or *,
    modifier indicator, rationale. Heading and notice lines are skipped; a row whose codes
    look right but whose other fields are broken raises InvalidCode with its line number.
    """
    for n, line in enumerate(lines, start=1):
        fields = [f.strip() for f in line.rstrip("\r\n").split("\t")]
        if len(fields) < 6 or not (_HCPCS.fullmatch(fields[0]) and _HCPCS.fullmatch(fields[1])):
            continue
        try:
            deleted = None if fields[4] in ("*", "") else _date(fields[4], "deletion date")
            indicator = int(fields[5])
            if indicator not in (0, 1, 9):
                raise ValueError(f"modifier indicator must be 0, 1 or 9, not {indicator}")
            yield PtpEdit(
                fields[0],
                fields[1],
                _date(fields[3], "effective date"),
                deleted,
                indicator,
                fields[6] if len(fields) > 6 else "",
                source,
            )
        except (InvalidCode, ValueError) as error:
            raise InvalidCode(f"{source} line {n}: {error}") from None


def parse_cms_mue(text: str, source: str, effective: dt.date) -> Iterator[MueLimit]:
    """Parse a CMS practitioner MUE CSV with columns ``HCPCS/CPT Code, Practitioner Services
    MUE Values, MUE Adjudication Indicator, MUE Rationale`` (notice lines before the header
    are skipped). The indicator cell reads like ``3 Date of Service Edit: Clinical``."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip('"').startswith("HCPCS")), None)
    if start is None:
        raise InvalidCode(f"{source}: no 'HCPCS/CPT Code' header row; is this a CMS MUE file?")
    for n, row in enumerate(csv.reader(lines[start + 1 :]), start=start + 2):
        if not row or not row[0].strip():
            continue
        try:
            code = row[0].strip()
            if not _HCPCS.fullmatch(code):
                raise ValueError(f"{code!r} is not a HCPCS/CPT code")
            mai_match = re.match(r"\s*(\d)", row[2])
            yield MueLimit(
                code,
                int(row[1]),
                int(mai_match.group(1)) if mai_match else None,
                row[3].strip() if len(row) > 3 else "",
                effective,
                source,
            )
        except (IndexError, ValueError) as error:
            raise InvalidCode(f"{source} line {n}: {error}") from None


def mue_effective_from_name(name: str) -> dt.date | None:
    """``MCR_MUE_PractitionerServices_Eff_10-01-2026.csv`` → 2026-10-01."""
    match = re.search(r"Eff_(\d{2})-(\d{2})-(\d{4})", name)
    if not match:
        return None
    month, day, year = (int(g) for g in match.groups())
    return dt.date(year, month, day)


def import_ptp_file(path: Path, rules_dir: Path) -> int:
    """Merge a CMS PTP file into ``rules_dir/ptp.csv``; returns the rows read.

    Rows from earlier imports stay (history by effective and deletion dates). An edit is a
    column 1/column 2 pair with its effective date: a later file's row for it replaces the
    earlier one, since CMS deletes an edit, or changes its indicator, by republishing that
    row. Within one file a duplicated edit keeps the row still in force (billing-rules.md §1.1).
    """
    with path.open(encoding="latin-1") as handle:
        new = list(parse_cms_ptp(handle, path.name))
    target = rules_dir / "ptp.csv"
    old = read_ptp_csv(target.read_text()) if target.exists() else []
    keep = {(e.column1, e.column2, e.effective): e for e in old}
    fresh: dict[tuple[str, str, dt.date], PtpEdit] = {}
    for e in new:
        key = (e.column1, e.column2, e.effective)
        seen = fresh.get(key)
        if seen is None or (seen.deleted is not None and (e.deleted or dt.date.max) > seen.deleted):
            fresh[key] = e
    keep.update(fresh)
    rules_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(write_ptp_csv(keep.values()))
    return len(new)


def import_mue_file(path: Path, rules_dir: Path, effective: dt.date | None = None) -> int:
    """Merge a CMS MUE CSV into ``rules_dir/mue.csv``; returns the rows read.

    The effective date comes from ``effective`` or the file name (``…_Eff_10-01-2026.csv``).
    Each quarterly file is the whole table from its date, so a code an earlier file limited
    and this one leaves out gets a row without a limit: no MUE from this date on.
    """
    effective = effective or mue_effective_from_name(path.name)
    if effective is None:
        raise InvalidCode(
            f"{path.name}: give the effective date (the file name does not carry one)."
        )
    new = list(parse_cms_mue(path.read_text(encoding="latin-1"), path.name, effective))
    target = rules_dir / "mue.csv"
    old = read_mue_csv(target.read_text()) if target.exists() else []
    keep = {(r.code, r.effective): r for r in old}
    for r in new:
        keep[(r.code, r.effective)] = r
    listed = {r.code for r in new}
    before = build_tables((), (r for r in old if r.effective < effective)).mue
    for code, rows in before.items():
        if code not in listed and rows[0].limit is not None:
            keep[(code, effective)] = MueLimit(
                code,
                None,
                None,
                f"not in the MUE file effective {effective}",
                effective,
                path.name,
            )
    rules_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(write_mue_csv(keep.values()))
    return len(new)
