"""Database triggers that keep append-only and signed records as they are, whatever the client.

The models refuse these changes in Python too; the triggers also refuse them to a bulk update,
``bulk_update``, raw SQL or another program on the same database. Each guard is written once
here, for SQLite and for PostgreSQL, and migrations install and remove them (``install`` and
``uninstall`` as ``RunPython`` operations). A refused statement fails with ``IntegrityError``
whose message starts with ``knead:``.

Guards:

- ``audit``: no UPDATE or DELETE of an audit entry.
- ``ledger``: no UPDATE or DELETE of a ledger entry (nothing in the app changes one: a mistake
  is reversed by a new entry).
- ``signed_notes``: a signed visit's note (``NOTE_FIELDS``) and signature never change and the
  visit is never deleted, except that the date and diagnoses change when a ``VisitCorrection``
  for the visit records exactly that change (inserted first, as the correction service does).
  A signed visit's service lines are never changed or deleted, except that one is marked
  replaced (``replaced_at`` set, nothing billed changed) at the ``created`` time of one of the
  visit's corrections. Amendments are never changed or deleted; a correction is never deleted
  and only its ``rebilling`` text is filled in, once, after it was inserted empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

AUDIT_MESSAGE = "knead: the audit trail is append-only"
LEDGER_MESSAGE = "knead: ledger entries are append-only; post a reversal instead"
NOTE_MESSAGE = "knead: this note is signed; add an amendment or correct the visit"
LINE_MESSAGE = "knead: the visit is signed; its services change only by a correction"
AMENDMENT_MESSAGE = "knead: amendments and corrections are append-only"

# The note's columns that never change once signed (``knead.visits.models.NOTE_FIELDS`` less
# the two a correction changes), and the signature's.
_LOCKED_VISIT_COLUMNS = (
    "subjective",
    "objective",
    "assessment",
    "plan",
    "body_regions",
    "pain_before",
    "pain_after",
    "techniques",
    "start_time",
    "provider_id",
    "client_id",
    "place_of_service",
    "billing_path",
    "signed_at",
    "signed_by_id",
)
_CORRECTED_VISIT_COLUMNS = ("date", "diagnoses")
_BILLED_LINE_COLUMNS = (
    "visit_id",
    "position",
    "code",
    "modifiers",
    "minutes",
    "units",
    "charge",
    "pointers",
    "created",
    "created_by_id",
)
_CORRECTION_COLUMNS = (
    "visit_id",
    "author_id",
    "created",
    "reason",
    "original_date",
    "corrected_date",
    "original_diagnoses",
    "corrected_diagnoses",
    "original_lines",
    "corrected_lines",
)


@dataclass(frozen=True)
class _Vendor:
    """How one database spells "differs" and a refusal."""

    differs: str  # a format with {a} and {b}

    def changed(self, columns: tuple[str, ...]) -> str:
        return " OR ".join(self.differs.format(a=f"NEW.{c}", b=f"OLD.{c}") for c in columns)

    def same(self, columns: tuple[str, ...]) -> str:
        return f"NOT ({self.changed(columns)})"


_SQLITE = _Vendor("{a} IS NOT {b}")
_POSTGRES = _Vendor("{a} IS DISTINCT FROM {b}")


def _signed(visit_id: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM visits_visit v WHERE v.id = {visit_id} AND v.signed_at IS NOT NULL)"
    )


def _visit_refused(vendor: _Vendor) -> str:
    """When an UPDATE of a visit is refused (OLD and NEW are the row)."""
    correction = (
        "EXISTS (SELECT 1 FROM visits_visitcorrection c WHERE c.visit_id = OLD.id "
        "AND c.original_date = OLD.date AND c.corrected_date = NEW.date "
        "AND c.original_diagnoses = OLD.diagnoses AND c.corrected_diagnoses = NEW.diagnoses)"
    )
    return (
        f"OLD.signed_at IS NOT NULL AND ({vendor.changed(_LOCKED_VISIT_COLUMNS)} "
        f"OR (({vendor.changed(_CORRECTED_VISIT_COLUMNS)}) AND NOT {correction}))"
    )


def _line_refused(vendor: _Vendor) -> str:
    """When an UPDATE of a service line is refused."""
    replaced = (
        "OLD.replaced_at IS NULL AND NEW.replaced_at IS NOT NULL "
        f"AND {vendor.same(_BILLED_LINE_COLUMNS)} "
        "AND EXISTS (SELECT 1 FROM visits_visitcorrection c "
        "WHERE c.visit_id = OLD.visit_id AND c.created = NEW.replaced_at)"
    )
    return f"({_signed('OLD.visit_id')} OR {_signed('NEW.visit_id')}) AND NOT ({replaced})"


def _correction_refused(vendor: _Vendor) -> str:
    """When an UPDATE of a correction is refused: anything but filling in ``rebilling``."""
    return f"NOT (OLD.rebilling = '' AND {vendor.same(_CORRECTION_COLUMNS)})"


@dataclass(frozen=True)
class _Rule:
    """One refusal: ``event`` (UPDATE or DELETE) on ``table`` when ``when`` (SQL over OLD and
    NEW, None: always), failing with ``message``."""

    name: str
    table: str
    event: str
    message: str
    when: Callable[[_Vendor], str] | None = None


GUARDS: dict[str, tuple[_Rule, ...]] = {
    "audit": (
        _Rule("knead_audit_no_update", "audit_auditevent", "UPDATE", AUDIT_MESSAGE),
        _Rule("knead_audit_no_delete", "audit_auditevent", "DELETE", AUDIT_MESSAGE),
    ),
    "ledger": (
        _Rule("knead_ledger_no_update", "ledger_entry", "UPDATE", LEDGER_MESSAGE),
        _Rule("knead_ledger_no_delete", "ledger_entry", "DELETE", LEDGER_MESSAGE),
    ),
    "signed_notes": (
        _Rule("knead_signed_visit_update", "visits_visit", "UPDATE", NOTE_MESSAGE, _visit_refused),
        _Rule(
            "knead_signed_visit_delete",
            "visits_visit",
            "DELETE",
            NOTE_MESSAGE,
            lambda vendor: "OLD.signed_at IS NOT NULL",
        ),
        _Rule(
            "knead_signed_line_update", "visits_serviceline", "UPDATE", LINE_MESSAGE, _line_refused
        ),
        _Rule(
            "knead_signed_line_delete",
            "visits_serviceline",
            "DELETE",
            LINE_MESSAGE,
            lambda vendor: _signed("OLD.visit_id"),
        ),
        _Rule("knead_amendment_no_update", "visits_amendment", "UPDATE", AMENDMENT_MESSAGE),
        _Rule("knead_amendment_no_delete", "visits_amendment", "DELETE", AMENDMENT_MESSAGE),
        _Rule(
            "knead_correction_update",
            "visits_visitcorrection",
            "UPDATE",
            AMENDMENT_MESSAGE,
            _correction_refused,
        ),
        _Rule("knead_correction_no_delete", "visits_visitcorrection", "DELETE", AMENDMENT_MESSAGE),
    ),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sqlite_create(rule: _Rule) -> list[str]:
    when = f" WHEN {rule.when(_SQLITE)}" if rule.when else ""
    return [
        f"CREATE TRIGGER {rule.name} BEFORE {rule.event} ON {rule.table} FOR EACH ROW{when} "
        f"BEGIN SELECT RAISE(ABORT, {_quote(rule.message)}); END"
    ]


def _postgres_create(rule: _Rule) -> list[str]:
    # SQLSTATE 23000 (integrity_constraint_violation) reaches Django as IntegrityError, as
    # SQLite's RAISE(ABORT) does. The condition sits in the function because PostgreSQL's
    # trigger WHEN clause allows no subquery.
    refuse = f"RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = {_quote(rule.message)};"
    row = "OLD" if rule.event == "DELETE" else "NEW"
    body = f"IF {rule.when(_POSTGRES)} THEN {refuse} END IF;" if rule.when else refuse
    return [
        f"CREATE FUNCTION {rule.name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{body} RETURN {row}; END $$",
        f"CREATE TRIGGER {rule.name} BEFORE {rule.event} ON {rule.table} FOR EACH ROW "
        f"EXECUTE FUNCTION {rule.name}()",
    ]


def _drop(rule: _Rule, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {rule.name} ON {rule.table}",
            f"DROP FUNCTION IF EXISTS {rule.name}()",
        ]
    return [f"DROP TRIGGER IF EXISTS {rule.name}"]


def create_sql(guard: str, vendor: str) -> list[str]:
    """The statements that install one guard on a database of that vendor."""
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"No triggers for {vendor}.")
    make = _postgres_create if vendor == "postgresql" else _sqlite_create
    return [statement for rule in GUARDS[guard] for statement in make(rule)]


def drop_sql(guard: str, vendor: str) -> list[str]:
    """The statements that remove one guard."""
    return [statement for rule in GUARDS[guard] for statement in _drop(rule, vendor)]


def install(guard: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    """A ``RunPython`` function that installs the guard on the migrated database."""

    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement in create_sql(guard, schema_editor.connection.vendor):
            schema_editor.execute(statement)

    return run


def uninstall(guard: str) -> Callable[[StateApps, BaseDatabaseSchemaEditor], None]:
    """A ``RunPython`` function that removes the guard (the migration's reverse)."""

    def run(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for statement in drop_sql(guard, schema_editor.connection.vendor):
            schema_editor.execute(statement)

    return run
