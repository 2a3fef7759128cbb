"""X12 benchmark: Knead's 835 reader against a str.split floor and three PyPI peers, and the
837P writer. Prints wall time, MB/s and peak RSS per parser, the ratios, and whether each
parser's per-claim totals agree with the generator's truth.

    .venv/bin/python bench/x12.py                  # 10k and 100k claims, every peer
    .venv/bin/python bench/x12.py --quick          # 10k only, skip linuxforhealth-x12 and pyx12
    .venv/bin/python bench/x12.py --sizes 10000,50000 --repeat 3

Every parser runs as a whole process (startup included) on the same synthetic, pyx12-valid
835 files (knead.billing.x12.synthetic). Knead runs as ``knead x12 835 FILE --json``, its
bytecode compiled first as for an installed package. The peers
conflict with our pins (linuxforhealth-x12 needs pydantic 1), so they get their own virtual
environment in bench/.peers/ (gitignored), installed with pip from PyPI on first use.
linuxforhealth-x12 0.57 rejects every 835 carrying the required 1000A PER*BL (it expects a
list, its parser gives one segment); its runner patches that at runtime with a pydantic
pre-root validator. Output files go to bench/out/x12/ (gitignored).
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "x12"
PEERS = ROOT / "bench" / ".peers"
PEER_PYTHON = PEERS / "venv" / "bin" / "python"
PEER_PACKAGES = [
    "linuxforhealth-x12==0.57.0",
    "pydantic<2",
    "edi-835-parser==1.8.0",
    "pyx12==4.0.0",
]
KNEAD = ROOT / ".venv" / "bin" / "knead"
PYTHON = ROOT / ".venv" / "bin" / "python"

# Each runner: argv[1] = 835 file, argv[2] = output; writes one line per claim:
# (the split floor pulls CLP01-04 and every CAS triplet: group, reason, amount, quantity)
# CLP01 <tab> CLP03 <tab> CLP04 <tab> every CAS amount (claim and line level), comma-separated.
RUNNERS = {
    "split": """
        import sys
        text = open(sys.argv[1]).read()
        element, terminator = text[3], text[105]
        out = []
        claim = None
        for segment in text.split(terminator):
            fields = segment.strip().split(element)
            tag = fields[0]
            if tag == "CLP":
                claim = [fields[1], fields[2], fields[3], fields[4], []]
                out.append(claim)
            elif tag == "CAS":
                group = fields[1]
                for i in range(2, len(fields), 3):
                    claim[4].append((group, fields[i], fields[i + 1],
                                     fields[i + 2] if i + 2 < len(fields) else ""))
        with open(sys.argv[2], "w") as handle:
            for c in out:
                amounts = ",".join(t[2] for t in c[4])
                handle.write(f"{c[0]}\\t{c[2]}\\t{c[3]}\\t{amounts}\\n")
    """,
    "edi-835-parser": """
        import sys
        from edi_835_parser import parse
        sets = parse(sys.argv[1])
        with open(sys.argv[2], "w") as handle:
            for ts in sets:
                for claim in ts.claims:
                    amounts = [str(a.amount) for s in claim.services for a in s.adjustments]
                    c = claim.claim
                    handle.write(f"{c.marker}\\t{c.charge_amount}\\t{c.paid_amount}\\t"
                                 f"{','.join(amounts)}\\n")
    """,
    "linuxforhealth-x12": """
        import sys
        from linuxforhealth.x12.v5010.x12_835_005010X221A1 import loops

        def per_as_list(cls, values):
            # 0.57.0 declares 1000A PER as a list but its parser hands over one segment.
            if isinstance(values.get("per_segment"), dict):
                values["per_segment"] = [values["per_segment"]]
            return values

        loops.Loop1000A.__pre_root_validators__.append(per_as_list)
        from linuxforhealth.x12.io import X12ModelReader

        def amounts(cas_segments):
            for cas in cas_segments or []:
                for n in range(1, 7):
                    value = getattr(cas, f"monetary_amount_{n}", None)
                    if value is not None:
                        yield str(value)

        with X12ModelReader(sys.argv[1]) as reader, open(sys.argv[2], "w") as handle:
            for model in reader.models():
                for l2000 in model.loop_2000:
                    for claim in l2000.loop_2100:
                        clp = claim.clp_segment
                        found = list(amounts(claim.cas_segment))
                        for line in claim.loop_2110 or []:
                            found += amounts(line.cas_segment)
                        handle.write(f"{clp.patient_control_number}\\t"
                                     f"{clp.total_claim_charge_amount}\\t"
                                     f"{clp.claim_payment_amount}\\t{','.join(found)}\\n")
    """,
    "pyx12": """
        import sys
        import pyx12.error_handler, pyx12.params, pyx12.x12context
        reader = pyx12.x12context.X12ContextReader(
            pyx12.params.params(), pyx12.error_handler.errh_null(), sys.argv[1])
        out = []
        for node in reader.iter_segments():
            seg = node.seg_data
            if node.id == "CLP":
                out.append([seg.get_value("CLP01"), seg.get_value("CLP03"),
                            seg.get_value("CLP04"), []])
            elif node.id == "CAS":
                for n in (3, 6, 9, 12, 15, 18):
                    value = seg.get_value(f"CAS{n:02d}")
                    if value:
                        out[-1][3].append(value)
        with open(sys.argv[2], "w") as handle:
            for c in out:
                handle.write(f"{c[0]}\\t{c[1]}\\t{c[2]}\\t{','.join(c[3])}\\n")
    """,
}
SLOW_PEERS = ("linuxforhealth-x12", "pyx12")


@dataclass
class Run:
    name: str
    size: int
    seconds: float
    peak_mb: float
    mb: float
    agreement: str


def _measure(command: list[str], stdout: Path) -> tuple[float, float, int]:
    """Run a whole process; return wall seconds, its own peak RSS in MB and its exit code.

    The command runs under /usr/bin/time so that the peak RSS is the process's own: a child
    forked from this (large) bench process would report the parent's pages too.
    """
    report = OUT / "time.txt"
    wrapped = (
        ["/usr/bin/time", "-f", "%M", "-o", str(report), *command]
        if Path("/usr/bin/time").exists()
        else command
    )
    start = time.perf_counter()
    with open(stdout, "w") as out:
        process = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    peak_kb = usage.ru_maxrss
    if wrapped is not command:
        peak_kb = int(report.read_text().split()[-1])
    return seconds, peak_kb / 1024, os.waitstatus_to_exitcode(status)


def _generate(size: int) -> tuple[Path, dict[str, tuple[Decimal, Decimal, Decimal]]]:
    from knead.billing.x12.synthetic import iter_claim_truth, synthetic_835

    path = OUT / f"synthetic-{size}.835"
    truth_path = OUT / f"synthetic-{size}.truth.json"
    if not path.exists() or not truth_path.exists():
        print(f"generating {size:,} claims ...", flush=True)
        text, truth = synthetic_835(size, seed=size, payments=max(1, size // 5000))
        path.write_text(text)
        truth_path.write_text(
            json.dumps(
                {
                    c.id: [
                        str(c.charge),
                        str(c.paid),
                        str(sum((a[2] for a in c.adjustments), Decimal(0))),
                    ]
                    for c in iter_claim_truth(truth)
                }
            )
        )
    data = json.loads(truth_path.read_text())
    return path, {k: tuple(Decimal(v) for v in values) for k, values in data.items()}


def _ensure_peers() -> bool:
    if PEER_PYTHON.exists():
        return True
    print("building the peers' virtual environment in bench/.peers/ ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEERS / "venv")], check=True)
        subprocess.run(
            [str(PEER_PYTHON), "-m", "pip", "install", "--quiet", *PEER_PACKAGES], check=True
        )
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"  cannot install the peers ({error}); they are skipped")
        return False
    return True


def _totals_from_tsv(path: Path) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    out = {}
    for line in path.read_text().splitlines():
        claim_id, charge, paid, amounts = line.split("\t")
        cas = sum(
            (Decimal(a).quantize(Decimal("0.01")) for a in amounts.split(",") if a), Decimal(0)
        )
        out[claim_id] = (
            Decimal(charge).quantize(Decimal("0.01")),
            Decimal(paid).quantize(Decimal("0.01")),
            cas,
        )
    return out


def _totals_from_knead(path: Path) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    doc = json.loads(path.read_text())
    out = {}
    for payment in doc["payments"]:
        for claim in payment["claims"]:
            amounts = [a["amount"] for a in claim["adjustments"]]
            amounts += [a["amount"] for s in claim["services"] for a in s["adjustments"]]
            out[claim["id"]] = (
                Decimal(claim["charge"]),
                Decimal(claim["paid"]),
                sum((Decimal(a) for a in amounts), Decimal(0)),
            )
    return out


def _agreement(found: dict, truth: dict) -> str:
    missing = len(truth.keys() - found.keys())
    wrong = [k for k in truth.keys() & found.keys() if found[k] != truth[k]]
    if not missing and not wrong:
        return "all claims agree"
    example = ""
    if wrong:
        k = sorted(wrong)[0]
        example = (
            f"; e.g. {k}: CAS total {found[k][2]} vs truth {truth[k][2]}"
            if found[k][2] != truth[k][2]
            else f"; e.g. {k}: {found[k]} vs {truth[k]}"
        )
    return f"DISAGREES: {len(wrong):,} wrong, {missing:,} missing of {len(truth):,}{example}"


def _run_parsers(size: int, names: list[str], repeat: int, peers_ok: bool) -> list[Run]:
    path, truth = _generate(size)
    mb = path.stat().st_size / 1e6
    runs = []
    for name in names:
        if name in RUNNERS and name != "split" and not peers_ok:
            continue
        output = OUT / f"{name}-{size}.out"
        if name == "knead":
            command = [str(KNEAD), "x12", "835", str(path), "--json"]
            stdout = output
        else:
            script = OUT / f"runner-{name}.py"
            script.write_text(textwrap.dedent(RUNNERS[name]))
            python = PYTHON if name == "split" else PEER_PYTHON
            command = [str(python), str(script), str(path), str(output)]
            stdout = OUT / f"{name}-{size}.stdout"
        samples = []
        code = 0
        for _ in range(repeat):
            seconds, peak, code = _measure(command, stdout)
            samples.append((seconds, peak))
            if code:
                break
        if code:
            runs.append(Run(name, size, float("nan"), float("nan"), mb, f"FAILED (exit {code})"))
            continue
        seconds = statistics.median(s for s, _ in samples)
        peak = max(p for _, p in samples)
        found = _totals_from_knead(output) if name == "knead" else _totals_from_tsv(output)
        runs.append(Run(name, size, seconds, peak, mb, _agreement(found, truth)))
        print(f"  {name:<20} {size:>8,} claims {seconds:7.2f} s", flush=True)
    return runs


def _bench_837(count: int) -> float:
    """Seconds to write ``count`` 837P claims in-process (claims built beforehand)."""
    import dataclasses

    from knead.billing.claim_json import load_claims
    from knead.billing.x12.envelope import MemoryControlNumbers, TradingPartners
    from knead.billing.x12.professional_claim import (
        ClearinghouseSettings,
        Receiver,
        Submitter,
        write_837p,
    )

    base = load_claims(ROOT / "tests" / "x12" / "fixtures" / "claims" / "four-claims.json")
    claims = [dataclasses.replace(base[n % len(base)], id=f"BENCH{n:07d}") for n in range(count)]
    settings = ClearinghouseSettings(
        TradingPartners("BENCHSUB", "BENCHRCV"),
        Submitter("Bench", "BENCHSUB", "Desk", "2065550100"),
        Receiver("Receiver", "BENCHRCV"),
    )
    gc.collect()
    start = time.perf_counter()
    text = write_837p(claims, settings, MemoryControlNumbers(), datetime(2026, 11, 1)).text
    seconds = time.perf_counter() - start
    (OUT / f"written-{count}.837").write_text(text)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="10k claims only; skip linuxforhealth-x12 and pyx12"
    )
    parser.add_argument(
        "--sizes",
        default="10000,100000",
        help="comma-separated claim counts (default 10000,100000)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per parser (median)")
    parser.add_argument(
        "--peers-at", default="10000", help="sizes at which the slow peers run (default 10000)"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    # Knead is an editable install, so its bytecode is compiled here as pip compiles a regular
    # install's (and the peers'); otherwise, under PYTHONDONTWRITEBYTECODE, every run would
    # compile Knead's modules from source.
    compileall.compile_dir(ROOT / "src", quiet=1)
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    slow_sizes = {int(s) for s in args.peers_at.split(",")}
    peers_ok = _ensure_peers()
    runs: list[Run] = []
    for size in sizes:
        names = ["split", "knead", "edi-835-parser"]
        if not args.quick and size in slow_sizes:
            names += list(SLOW_PEERS)
        runs += _run_parsers(size, names, args.repeat, peers_ok)

    print(f"\n835 read, whole processes (median of {args.repeat}); peak RSS of each process")
    print(
        f"{'parser':<20} {'claims':>8} {'MB':>6} {'wall s':>8} {'MB/s':>7} {'peak MB':>8} "
        f"{'vs split':>9} {'vs knead':>9}  per-claim totals"
    )
    for run in runs:
        floor = next((r for r in runs if r.name == "split" and r.size == run.size), None)
        knead = next((r for r in runs if r.name == "knead" and r.size == run.size), None)
        print(
            f"{run.name:<20} {run.size:>8,} {run.mb:>6.1f} {run.seconds:>8.2f} "
            f"{run.mb / run.seconds:>7.1f} {run.peak_mb:>8.0f} "
            f"{run.seconds / floor.seconds if floor else float('nan'):>8.2f}x "
            f"{run.seconds / knead.seconds if knead else float('nan'):>8.2f}x  "
            f"{run.agreement}"
        )
    for size in sizes:
        knead = next((r for r in runs if r.name == "knead" and r.size == size), None)
        floor = next((r for r in runs if r.name == "split" and r.size == size), None)
        lfh = next((r for r in runs if r.name == "linuxforhealth-x12" and r.size == size), None)
        if knead and floor:
            print(
                f"targets at {size:,}: knead / split floor = "
                f"{knead.seconds / floor.seconds:.2f} (target <= 2)"
                + (
                    f"; linuxforhealth-x12 / knead = {lfh.seconds / knead.seconds:.1f} "
                    "(target >= 20)"
                    if lfh
                    else ""
                )
            )
    knead_runs = [r for r in runs if r.name == "knead"]
    if len(knead_runs) > 1:
        print(
            "knead peak RSS by size: "
            + ", ".join(f"{r.size:,} claims {r.peak_mb:.0f} MB" for r in knead_runs)
        )

    seconds = _bench_837(10_000)
    print(f"\n837P write, 10,000 claims in-process: {seconds:.2f} s (target < 1 s)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
