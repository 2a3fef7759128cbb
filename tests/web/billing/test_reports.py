"""The billing reports: CSV exports a spreadsheet cannot turn into formulas, the A/R aging of
the page, its CSV and ``knead report`` being one table, date ranges and as-of dates, and days
to payment refusing to average a payment dated before its claim was sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from knead.claims.models import Claim
from knead.cli import main
from knead.clients.models import Client, Coverage
from knead.csv_export import csv_text
from knead.practice.models import Payer, Provider
from knead.remittance.models import Posting, PostingKind
from knead.remittance.reports import (
    Period,
    ReportInputError,
    ar_aging,
    last_twelve_months,
    report_query,
)

D = Decimal
HYPERLINK = '=HYPERLINK("http://evil.example","click")'
# A client's first name holds at most 35 characters (X12 NM104), as PostgreSQL enforces.
NAME_FORMULA = '=HYPERLINK("http://x.example","hi")'


# --- the CSV writer -----------------------------------------------------------------------


def test_text_starting_like_a_formula_gets_an_apostrophe_and_numbers_stay_numbers():
    text = csv_text(
        ("Name", "Amount"),
        [
            (HYPERLINK, D("-12.50")),
            ("-Smith", 3),
            ("+1", D("0.00")),
            ("@x", None),
            ("\tTab", D("-0.01")),
            ("Plain, text", dt.date(2026, 1, 2)),
            ("Ann-Marie", -4),
        ],
    )
    # Written by hand: RFC 4180 quoting (embedded quotes doubled), CRLF line ends.
    assert text == (
        "Name,Amount\r\n"
        '"\'=HYPERLINK(""http://evil.example"",""click"")",-12.50\r\n'
        "'-Smith,3\r\n"
        "'+1,0.00\r\n"
        "'@x,\r\n"
        "'\tTab,-0.01\r\n"
        '"Plain, text",2026-01-02\r\n'
        "Ann-Marie,-4\r\n"
    )


# --- test data ----------------------------------------------------------------------------


def _people(practice, payer_name: str = "Evergreen Health Plan", client_name=("Jordan", "Example")):
    provider = Provider.objects.get_or_create(
        practice=practice,
        npi="1558598797",
        defaults={
            "first_name": "Ana",
            "last_name": "Rivera",
            "licence_state": "WA",
            "licence_number": "MA60000001",
        },
    )[0]
    payer = Payer.objects.create(practice=practice, name=payer_name, payer_id=payer_name[:5])
    client = Client.objects.create(
        practice=practice,
        first_name=client_name[0],
        last_name=client_name[1],
        date_of_birth=dt.date(1985, 3, 14),
    )
    return provider, payer, client


def _claim(
    practice,
    people,
    *,
    service: dt.date,
    charge: str,
    balance: str,
    status: str = "accepted",
    submitted: dt.date | None = None,
    paid_on: dt.date | None = None,
) -> Claim:
    provider, payer, client = people
    claim = Claim.objects.create(
        practice=practice,
        client=client,
        provider=provider,
        payer=payer,
        service_from=service,
        service_to=service,
        charge=D(charge),
        balance=D(balance),
        status=status,
        first_paid_on=paid_on,
        adjudicated_on=paid_on,
        submitted_at=timezone.make_aware(dt.datetime.combine(submitted, dt.time(10)))
        if submitted
        else None,
    )
    claim.claim_id = f"KN{claim.pk:08d}"
    claim.save(update_fields=["claim_id"])
    return claim


def _posting(practice, claim, kind: str, amount: str, day: dt.date, reason: str = "") -> Posting:
    return Posting.objects.create(
        practice=practice, claim=claim, kind=kind, amount=D(amount), posted_on=day, reason=reason
    )


# --- CSV downloads neutralise formulas ----------------------------------------------------


@pytest.mark.django_db
def test_the_aging_csv_neutralises_payer_names_and_keeps_a_negative_balance_a_number(
    practice, as_role
):
    plus = _people(practice, "+1 Health")
    at = _people(practice, "@x Care", ("Ann", "Other"))
    # Overpaid by 12.50 (a negative balance), 10 days old on 2026-05-10.
    _claim(practice, plus, service=dt.date(2026, 4, 30), charge="60.00", balance="-12.50")
    _claim(practice, at, service=dt.date(2026, 3, 2), charge="95.00", balance="35.00")
    response = as_role("biller").get(
        reverse("remittance:report", args=["aging"]), {"format": "csv", "as_of": "2026-05-10"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aging-2026-05-10.csv"'
    # 2026-03-02 is 69 days before 2026-05-10: 61–90.
    assert response.content.decode() == (
        "Payer,0–30,31–60,61–90,91–120,120+,Total\r\n"
        "'+1 Health,-12.50,0.00,0.00,0.00,0.00,-12.50\r\n"
        "'@x Care,0.00,0.00,35.00,0.00,0.00,35.00\r\n"
        "Total,-12.50,0.00,35.00,0.00,0.00,22.50\r\n"
    )


@pytest.mark.django_db
def test_the_visits_left_csv_neutralises_client_names(practice, as_role):
    for first, last in ((NAME_FORMULA, "Doe"), ("-Smith", "Jones")):
        _provider, payer, client = _people(practice, f"Plan {last}", (first, last))
        Coverage.objects.create(
            practice=practice, client=client, payer=payer, member_id="M1", visits_per_year=12
        )
    text = (
        as_role("biller")
        .get(reverse("remittance:report", args=["visits"]), {"format": "csv"})
        .content.decode()
    )
    assert '"\'=HYPERLINK(""http://x.example"",""hi"") Doe · Plan Doe benefit",12,0,12' in text
    assert "'-Smith Jones · Plan Jones benefit,12,0,12" in text
    assert "\r\n=" not in text and "\r\n-" not in text and '\r\n"=' not in text


# --- one A/R aging table for the page, the CSV and the command ----------------------------


@pytest.mark.django_db
def test_knead_report_ar_aging_prints_the_web_csv_byte_for_byte(
    practice, as_role, tmp_path, capsysbinary
):
    practice.name = "Willow & Co"
    practice.save()
    people = _people(practice, "=Payer")
    _claim(practice, people, service=dt.date(2026, 1, 5), charge="120.00", balance="120.00")
    _claim(practice, people, service=dt.date(2026, 4, 20), charge="60.00", balance="-7.25")
    web = (
        as_role("biller")
        .get(reverse("remittance:report", args=["aging"]), {"format": "csv", "as_of": "2026-05-10"})
        .content
    )
    args = ["report", "ar-aging", "--practice", "Willow & Co", "--csv", "--as-of", "2026-05-10"]
    assert main(args) == 0
    assert capsysbinary.readouterr().out == web
    assert main([*args, "-o", str(tmp_path / "aging.csv")]) == 0
    assert (tmp_path / "aging.csv").read_bytes() == web
    # 2026-01-05 is 125 days before 2026-05-10 (120+); 2026-04-20 is 20 days (0–30).
    assert web.decode().splitlines()[1] == "'=Payer,-7.25,0.00,0.00,0.00,120.00,112.75"


@pytest.mark.django_db
def test_knead_report_refuses_bad_input_in_plain_words(practice, capsys):
    assert main(["report", "ar-aging", "--practice", "Nobody's Practice", "--csv"]) == 2
    assert 'no practice named "Nobody\'s Practice"' in capsys.readouterr().err
    assert main(["report", "collections", "--practice", "Practice A", "--from", "2026-13-01"]) == 2
    assert "“from” date “2026-13-01” is not a date" in capsys.readouterr().err
    assert main(["report", "ar-aging", "--practice", "Practice A", "--from", "2026-01-01"]) == 2
    assert "ar-aging takes no --from/--to" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_aging_page_shows_the_rows_of_its_csv(practice, as_role):
    people = _people(practice)
    _claim(practice, people, service=dt.date(2026, 3, 2), charge="95.00", balance="35.00")
    client = as_role("biller")
    page = client.get(reverse("remittance:report", args=["aging"]), {"as_of": "2026-05-10"})
    assert [list(map(str, row)) for row in page.context["report"].rows] == [
        ["Evergreen Health Plan", "0.00", "0.00", "35.00", "0.00", "0.00", "35.00"],
        ["Total", "0.00", "0.00", "35.00", "0.00", "0.00", "35.00"],
    ]
    assert "Open balances as of 05/10/2026" in page.content.decode()
    assert 'href="?format=csv&amp;as_of=2026-05-10"' in page.content.decode()


# --- as-of and date ranges ----------------------------------------------------------------


@pytest.mark.django_db
def test_aging_as_of_a_past_day_shows_the_balance_of_that_day(practice):
    people = _people(practice)
    # Charge 100 on 03/02; the payer paid 60 and adjusted 20 on 04/13; 20 left today.
    claim = _claim(
        practice,
        people,
        service=dt.date(2026, 3, 2),
        charge="100.00",
        balance="20.00",
        status="paid",
    )
    _posting(practice, claim, PostingKind.PAYMENT, "60.00", dt.date(2026, 4, 13))
    _posting(practice, claim, PostingKind.CONTRACTUAL, "20.00", dt.date(2026, 4, 13), "45")
    # A denial posted later does not lower the balance, so it is not added back.
    _posting(practice, claim, PostingKind.DENIAL, "5.00", dt.date(2026, 4, 20), "97")
    # A visit of 05/01 was not yet owed on 04/01.
    _claim(practice, people, service=dt.date(2026, 5, 1), charge="60.00", balance="60.00")
    # 04/01: 30 days after 03/02 → 0–30, nothing paid yet: 100.
    assert [(r.payer, r.buckets) for r in ar_aging(practice, dt.date(2026, 4, 1))] == [
        ("Evergreen Health Plan", [D("100.00"), D(0), D(0), D(0), D(0)])
    ]
    # 05/10: 69 days → 61–90: 20 left; the 05/01 claim is 9 days old → 0–30: 60.
    assert [(r.payer, r.buckets) for r in ar_aging(practice, dt.date(2026, 5, 10))] == [
        ("Evergreen Health Plan", [D("60.00"), D(0), D("20.00"), D(0), D(0)])
    ]


def test_the_default_period_is_the_last_twelve_months():
    assert last_twelve_months(dt.date(2026, 12, 3)) == Period(
        dt.date(2025, 12, 4), dt.date(2026, 12, 3)
    )
    # No 29 February in 2027: a year before is taken as the 28th.
    assert last_twelve_months(dt.date(2028, 2, 29)) == Period(
        dt.date(2027, 3, 1), dt.date(2028, 2, 29)
    )
    query = report_query(start="", end=None, as_of="", today=dt.date(2026, 12, 3))
    assert query.period == Period(dt.date(2025, 12, 4), dt.date(2026, 12, 3))
    assert query.as_of == dt.date(2026, 12, 3)


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(
        ReportInputError, match=r"“from” date \(05/01/2026\) is after the “to” date \(04/01/2026\)"
    ):
        report_query(start="2026-05-01", end="2026-04-01", as_of="", today=dt.date(2026, 12, 3))


@pytest.mark.django_db
def test_collections_and_write_offs_cover_only_the_period(practice, as_role):
    people = _people(practice)
    claim = _claim(
        practice,
        people,
        service=dt.date(2025, 1, 6),
        charge="300.00",
        balance="0.00",
        status="paid",
    )
    _posting(practice, claim, PostingKind.PAYMENT, "100.00", dt.date(2025, 1, 27))  # before
    _posting(practice, claim, PostingKind.PAYMENT, "41.60", dt.date(2026, 1, 15))  # inside
    _posting(practice, claim, PostingKind.PAYMENT, "8.40", dt.date(2026, 1, 31))  # inside
    _posting(practice, claim, PostingKind.PAYMENT, "50.00", dt.date(2026, 6, 1))  # after
    _posting(practice, claim, PostingKind.WRITE_OFF, "20.00", dt.date(2026, 2, 1), "Small balance")
    _posting(practice, claim, PostingKind.WRITE_OFF, "80.00", dt.date(2026, 7, 1), "Timely filing")
    client = as_role("biller")
    period = {"format": "csv", "from": "2025-06-01", "to": "2026-05-31"}
    collected = client.get(reverse("remittance:report", args=["collections"]), period)
    assert collected["Content-Disposition"] == (
        'attachment; filename="collections-2025-06-01-to-2026-05-31.csv"'
    )
    # 41.60 + 8.40 = 50.00 in January 2026; nothing else falls inside.
    assert collected.content.decode() == "Month,Provider,Collected\r\n2026-01,Ana Rivera,50.00\r\n"
    written = client.get(reverse("remittance:report", args=["write_offs"]), period)
    assert written.content.decode() == "Reason,Count,Amount\r\nSmall balance,1,20.00\r\n"


@pytest.mark.django_db
def test_a_report_with_a_bad_date_says_which_and_why(practice, as_role):
    client = as_role("biller")
    page = client.get(reverse("remittance:report", args=["denials"]), {"from": "03/01/2026"})
    assert page.status_code == 400
    assert (
        "The “from” date “03/01/2026” is not a date: write it as YYYY-MM-DD"
        in page.content.decode()
    )
    csv = client.get(
        reverse("remittance:report", args=["denials"]),
        {"format": "csv", "from": "2026-05-01", "to": "2026-04-01"},
    )
    assert csv.status_code == 400 and "is after the “to” date" in csv.content.decode()
    index = client.get(reverse("remittance:reports"), {"as_of": "yesterday"})
    assert (
        index.status_code == 400
        and "The “as of” date “yesterday” is not a date" in index.content.decode()
    )


@pytest.mark.django_db
def test_the_reports_page_carries_its_dates_into_every_link(practice, as_role):
    page = (
        as_role("biller")
        .get(
            reverse("remittance:reports"),
            {"from": "2026-01-01", "to": "2026-03-31", "as_of": "2026-04-15"},
        )
        .content.decode()
    )
    assert (
        'href="/billing/reports/denials/?format=csv&amp;from=2026-01-01&amp;to=2026-03-31"' in page
    )
    assert 'href="/billing/reports/aging/?as_of=2026-04-15"' in page
    assert 'href="/billing/reports/visits/?format=csv"' in page


# --- days to payment ----------------------------------------------------------------------


@pytest.mark.django_db
def test_days_to_payment_flags_a_payment_dated_before_its_claim_was_sent(practice, as_role):
    people = _people(practice)
    day = dt.date
    _claim(
        practice,
        people,
        service=day(2026, 3, 23),
        charge="60.00",
        balance="0.00",
        status="paid",
        submitted=day(2026, 4, 1),
        paid_on=day(2026, 4, 15),
    )  # 14 days
    _claim(
        practice,
        people,
        service=day(2026, 3, 23),
        charge="60.00",
        balance="0.00",
        status="paid",
        submitted=day(2026, 4, 1),
        paid_on=day(2026, 4, 21),
    )  # 20 days
    wrong = _claim(
        practice,
        people,
        service=day(2026, 4, 6),
        charge="60.00",
        balance="0.00",
        status="paid",
        submitted=day(2026, 4, 20),
        paid_on=day(2026, 4, 13),
    )  # −7
    client = as_role("biller")
    dates = {"from": "2026-01-01", "to": "2026-12-31"}
    page = client.get(reverse("remittance:report", args=["days"]), dates)
    report = page.context["report"]
    # (14 + 20) / 2 = 17.0; the −7 is counted apart, not averaged.
    assert report.rows == [("Evergreen Health Plan", 2, D("17.0"), 20, 1)]
    assert report.flags == (
        f"Claim {wrong.claim_id} (Evergreen Health Plan) was paid on 04/13/2026, 7 days before "
        "it was submitted on 04/20/2026: one of the two dates is wrong (check the remittance's "
        "payment date and the batch), so it is not averaged.",
    )
    assert (
        f"Claim {wrong.claim_id} (Evergreen Health Plan) was paid on 04/13/2026"
        in page.content.decode()
    )
    csv = client.get(reverse("remittance:report", args=["days"]), {**dates, "format": "csv"})
    assert csv.content.decode() == (
        "Payer,Claims paid,Average days,Longest,Not averaged (paid before sent)\r\n"
        "Evergreen Health Plan,2,17.0,20,1\r\n"
    )
    # A payment outside the period is not in the report at all.
    later = client.get(
        reverse("remittance:report", args=["days"]), {"from": "2026-04-16", "to": "2026-12-31"}
    )
    assert later.context["report"].rows == [("Evergreen Health Plan", 1, D("20.0"), 20, 0)]


@pytest.mark.django_db
def test_the_ledger_export_writes_a_negative_payment_as_a_plain_number(practice, users):
    from knead.ledger.export import export_csv
    from knead.ledger.services import record_payment

    _provider, _payer, client = _people(practice, client_name=("-Smith", "Jones"))
    # $12.50 paid with nothing owed yet: credit on account, an entry of −12.50 for the client.
    record_payment(
        client,
        amount=D("12.50"),
        method="cash",
        received_on=dt.date(2026, 4, 21),
        user=users["front_desk"],
    )
    rows = export_csv(practice).splitlines()
    assert (
        rows[0] == "date,client_id,visit_id,claim_id,claim_line,responsibility,kind,amount,source"
    )
    amounts = [row.split(",")[7] for row in rows[1:]]
    assert "-12.50" in amounts and not any(a.startswith("'") for a in amounts)
