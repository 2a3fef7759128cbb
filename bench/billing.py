"""Billing benchmark: post a large 835 against matching claims, then load-test the list pages.

    .venv/bin/python bench/billing.py            # 100,000 claims, 300 requests per page
    .venv/bin/python bench/billing.py --quick    # 10,000 claims, 60 requests per page
    DATABASE_URL=postgres://… .venv/bin/python bench/billing.py   # on PostgreSQL

1. Builds a database (a fresh SQLite file in a temporary folder unless DATABASE_URL is set)
   with one practice and N claims whose CLM01 and lines match a synthetic 835
   (``knead.billing.x12.synthetic``: payments, CO-45/PR shares, denials, reversals, PLB).
2. Imports and posts the 835 (``knead.remittance.imports.start_import``, in the foreground)
   and prints seconds, claims per second and postings per second.
3. Starts ``knead serve`` on 127.0.0.1, signs in as the biller and requests the claims list,
   the denial queue and the A/R report from a few threads (bounded in count and time,
   loopback only), then prints p50/p95 latencies. Target: p95 under 150 ms.

This prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8871
PASSWORD = "bench-billing-passphrase-2026"


def _setup_django(data_dir: Path) -> None:
    os.environ["KNEAD_DATA_DIR"] = str(data_dir)
    os.environ["DEBUG"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knead.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _database(claims: int) -> tuple[object, str, object]:
    """A practice with ``claims`` claims matching a synthetic 835; returns (practice, text, user)."""
    import datetime as dt
    import io
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from knead.accounts.models import User
    from knead.billing.x12.remittance import read_835
    from knead.billing.x12.synthetic import synthetic_835
    from knead.claims.models import Claim, ClaimLine
    from knead.clients.models import Client, Coverage
    from knead.practice.models import Membership, Payer, Practice, Provider, Role
    from knead.visits.models import Visit

    text, _truth = synthetic_835(claims, payments=max(1, claims // 20000))
    parsed = read_835(io.StringIO(text))
    with transaction.atomic():
        practice = Practice.objects.create(name="Bench Massage", state="WA")
        user = User.objects.create_user("bench_biller", password=PASSWORD)
        Membership.objects.create(user=user, practice=practice, role=Role.BILLER)
        provider = Provider.objects.create(
            practice=practice,
            first_name="B",
            last_name="Ench",
            npi="1234567893",
            licence_state="WA",
            licence_number="1",
        )
        payer = Payer.objects.create(
            practice=practice, name="Synthetic Health Plan", payer_id="SYN01"
        )
        client = Client.objects.create(
            practice=practice,
            first_name="Bench",
            last_name="Client",
            date_of_birth=dt.date(1980, 1, 1),
        )
        coverage = Coverage.objects.create(
            practice=practice, client=client, payer=payer, member_id="M1"
        )
        visit = Visit.objects.create(
            practice=practice,
            client=client,
            provider=provider,
            date=dt.date(2026, 3, 2),
            coverage=coverage,
            signed_at=timezone.now(),
        )
        rows = []
        lines: list[tuple[int, object]] = []
        for payment in parsed.payments:
            for cp in payment.claims:
                if cp.status == "22":
                    continue
                day = cp.services[0].date if cp.services else dt.date(2026, 3, 2)
                rows.append(
                    Claim(
                        practice=practice,
                        claim_id=cp.id,
                        client=client,
                        provider=provider,
                        payer=payer,
                        coverage=coverage,
                        status="accepted",
                        service_from=day,
                        service_to=day,
                        charge=cp.charge,
                        balance=cp.charge,
                        submitted_at=timezone.now() - dt.timedelta(days=30),
                    )
                )
                lines.append((len(rows) - 1, cp))
        Claim.objects.bulk_create(rows, batch_size=2000)
        line_rows = []
        for index, cp in lines:
            for position, svc in enumerate(cp.services, 1):
                line_rows.append(
                    ClaimLine(
                        claim=rows[index],
                        visit=visit,
                        position=position,
                        service_date=svc.date,
                        code=svc.code,
                        modifiers=list(svc.modifiers),
                        units=int(svc.units),
                        charge=svc.charge if svc.charge > 0 else Decimal("1"),
                        pointers=[1],
                    )
                )
        ClaimLine.objects.bulk_create(line_rows, batch_size=2000)
        _charge(practice, client, visit, payer, rows, line_rows)
    return practice, text, user


def _charge(practice, client, visit, payer, claims, lines) -> None:
    """Each claim line's charge, already billed on its claim, as the ledger holds it."""
    from django.db import connection
    from django.utils import timezone

    from knead.bulk import insert_rows
    from knead.ledger.models import Entry

    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    day = ops.adapt_datefield_value(visit.date)
    fields = (
        "practice",
        "client",
        "payer",
        "visit",
        "claim",
        "claim_line",
        "kind",
        "amount",
        "posted_on",
        "group",
        "overpayment",
        "adjudication",
        "memo",
        "created",
    )

    def row(claim_pk, line_pk, amount):
        return (
            practice.pk,
            client.pk,
            payer.pk,
            visit.pk,
            claim_pk,
            line_pk,
            "charge",
            ops.adapt_decimalfield_value(amount),
            day,
            "",
            False,
            False,
            "",
            now,
        )

    on_lines: dict[int, object] = {}
    for line in lines:
        on_lines[line.claim_id] = on_lines.get(line.claim_id, 0) + line.charge
    # What the claim's charge (CLP03) has beyond its lines is owed on the claim itself.
    insert_rows(
        Entry,
        fields,
        [row(line.claim_id, line.pk, line.charge) for line in lines]
        + [
            row(c.pk, None, c.charge - on_lines.get(c.pk, 0))
            for c in claims
            if c.charge > on_lines.get(c.pk, 0)
        ],
    )


def _post(practice: object, text: str, user: object) -> None:
    import knead.remittance.posting as posting
    from knead.ledger.models import Entry
    from knead.remittance.imports import start_import
    from knead.remittance.models import Posting, WorkItem

    ledger_seconds = [0.0]
    sync = posting.sync_adjudication

    def timed_sync(*args, **kwargs):
        began = time.perf_counter()
        try:
            return sync(*args, **kwargs)
        finally:
            ledger_seconds[0] += time.perf_counter() - began

    posting.sync_adjudication = timed_sync
    before = Entry.objects.count()
    started = time.perf_counter()
    result = start_import(text, name="bench.835", user=user, practice=practice, queue=False)
    seconds = time.perf_counter() - started
    posting.sync_adjudication = sync
    entries = Entry.objects.count() - before
    postings = Posting.objects.filter(remittance=result.remittance).count()
    items = WorkItem.objects.filter(remittance=result.remittance).count()
    claims = result.remittance.claim_count
    print(
        f"835 post: {claims:,} claims, {postings:,} postings, {items:,} work items "
        f"in {seconds:.1f} s = {claims / seconds:,.0f} claims/s, {postings / seconds:,.0f} "
        f"postings/s"
    )
    print(
        f"  of which the ledger: {entries:,} entries in {ledger_seconds[0]:.1f} s "
        f"({100 * ledger_seconds[0] / seconds:.0f}% of the post)"
    )
    _ledger_check(practice)
    started = time.perf_counter()
    again = start_import(text, name="bench-again.835", user=user, practice=practice)
    print(
        f"re-import of the same file: already={again.already} in "
        f"{time.perf_counter() - started:.2f} s (hash check and parse skipped)"
    )


def _ledger_check(practice: object) -> None:
    from knead.ledger.checks import check_practice

    started = time.perf_counter()
    report = check_practice(practice)
    print(
        f"knead ledger check: {report.entries:,} entries, {len(report.failures)} failures "
        f"in {time.perf_counter() - started:.1f} s"
    )
    for failure in report.failures[:5]:
        print(f"  FAIL {failure}")


def _login(opener: urllib.request.OpenerDirector) -> None:
    base = f"http://127.0.0.1:{PORT}"
    page = opener.open(f"{base}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": "bench_biller", "password": PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request, timeout=10).read()


def _load(paths: list[str], requests: int, threads: int, limit_seconds: float) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _login(opener)
    base = f"http://127.0.0.1:{PORT}"
    for path in paths:
        opener.open(base + path, timeout=60).read()  # warm-up
        timings = _measure(opener, base + path, requests, threads, limit_seconds)
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)] * 1000
        print(
            f"GET {path:28} n={len(timings):4} p50={statistics.median(timings) * 1000:6.1f} ms "
            f"p95={p95:6.1f} ms"
        )


def _measure(
    opener: urllib.request.OpenerDirector,
    url: str,
    requests: int,
    threads: int,
    limit_seconds: float,
) -> list[float]:
    """At most ``requests`` GETs from ``threads`` threads, stopping after ``limit_seconds``."""
    timings: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + limit_seconds
    counter = iter(range(requests))

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    return
            started = time.perf_counter()
            opener.open(url, timeout=60).read()
            with lock:
                timings.append(time.perf_counter() - started)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sorted(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 claims, fewer requests")
    parser.add_argument("--claims", type=int, default=None)
    parser.add_argument("--no-load", action="store_true", help="skip the page load test")
    parser.add_argument("--threads", type=int, default=2, help="concurrent clients (default 2)")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="build the database in this (empty) folder and keep it",
    )
    args = parser.parse_args()
    claims = args.claims or (10_000 if args.quick else 100_000)
    with tempfile.TemporaryDirectory(prefix="knead-bench-billing-") as folder:
        data_dir = args.keep or Path(folder)
        data_dir.mkdir(parents=True, exist_ok=True)
        _setup_django(data_dir)
        from django.db import connection

        print(f"database: {connection.vendor}")
        started = time.perf_counter()
        practice, text, user = _database(claims)
        print(f"setup: {claims:,} claims in {time.perf_counter() - started:.1f} s")
        _post(practice, text, user)
        if args.no_load:
            return 0
        connection.close()
        env = {
            **os.environ,
            "KNEAD_DATA_DIR": str(data_dir),
            "DEBUG": "0",
            "KNEAD_HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # production requires one
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/knead"), "serve", "--host", "127.0.0.1", "--port", str(PORT)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(60):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            _load(
                ["/billing/claims/", "/billing/denials/", "/billing/reports/aging/"],
                requests=60 if args.quick else 300,
                threads=args.threads,
                limit_seconds=60,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
