"""Loading every rule table the scrubber and estimates use, from one place.

``load_rules()`` reads the shipped defaults and, when a rules data directory exists, the files
in it instead: ``ptp.csv`` and ``mue.csv`` (written by ``knead rules import-ptp|import-mue``)
and ``payer_rules.json`` (a practice's own payer contracts). The directory is the ``data_dir``
argument (the CLI's ``--data-dir``), else ``$KNEAD_DATA_DIR/rules``. Each file present replaces
the shipped table of the same name; files absent fall back to the shipped ones.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from knead.billing.codes.procedures import Catalog, catalog
from knead.billing.ncci import NcciTables, build_tables, read_mue_csv, read_ptp_csv
from knead.billing.payer_rules import PayerRuleBook, load_payer_rules

TABLE_FILES = ("ptp.csv", "mue.csv", "payer_rules.json")


@dataclass(frozen=True)
class Rules:
    """Everything a scrub needs besides the claim: procedures, NCCI/MUE, payer rules.

    ``origins`` says for each table file whether it came from the shipped defaults or from the
    rules data directory (a path).
    """

    procedures: Catalog
    ncci: NcciTables
    payers: PayerRuleBook
    origins: dict[str, str]


def default_rules_dir() -> Path | None:
    base = os.environ.get("KNEAD_DATA_DIR")
    return Path(base) / "rules" if base else None


def _read(name: str, rules_dir: Path | None, origins: dict[str, str]) -> str:
    if rules_dir is not None and (rules_dir / name).is_file():
        origins[name] = str(rules_dir / name)
        return (rules_dir / name).read_text(encoding="utf-8")
    origins[name] = "shipped"
    return resources.files("knead.billing").joinpath(f"data/{name}").read_text(encoding="utf-8")


def load_rules(data_dir: Path | str | None = None) -> Rules:
    """Load the rule tables, preferring files in ``data_dir`` (or ``$KNEAD_DATA_DIR/rules``).

    Raises InvalidCode naming the file and line or entry when a table is malformed.
    """
    rules_dir = Path(data_dir) if data_dir is not None else default_rules_dir()
    origins: dict[str, str] = {}
    ptp = read_ptp_csv(_read("ptp.csv", rules_dir, origins))
    mue = read_mue_csv(_read("mue.csv", rules_dir, origins))
    payers = load_payer_rules(_read("payer_rules.json", rules_dir, origins))
    return Rules(catalog(), build_tables(ptp, mue), payers, origins)
