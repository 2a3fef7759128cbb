import pytest
from tests.web.ledger.test_statements import *
def test_show(setup, users):
    pay(setup["client"], users, "200.00", dt.date(2026, 3, 1), kind="prepayment")
    visit(setup, users["therapist"], dt.date(2026, 3, 2))
    kept = issue_statement(setup["client"], period_end=dt.date(2026, 3, 31), user=None)
    print("TEXT", pdf_text(statement_pdf(kept)))
