"""One way to type money everywhere: "1.500.000", "1500000" and "Rp 1.500.000" are the same amount."""
import pytest

from egovkit import formfields

from .conftest import accounts


@pytest.mark.parametrize("typed", ["1500000", "1.500.000", "Rp 1.500.000", "Rp1.500.000", "Rp. 1.500.000,-",
                                   " 1.500.000,00 "])
def test_the_ways_people_write_an_amount_are_one_amount(typed):
    assert formfields.rupiah(typed) == 1_500_000


@pytest.mark.parametrize("typed", ["", "0", "-5000", "1500000.50", "1,500,000", "15.00.000", "satu juta",
                                   "1" * 15, "١٥٠٠"])
def test_what_is_not_a_whole_positive_amount_is_refused(typed):
    assert formfields.rupiah(typed) is None


def test_a_declared_rupiah_field_stores_the_plain_number_and_names_the_problem(app):
    fields = [formfields.field("income", "Penghasilan", "Income", "rupiah")]
    with app.test_request_context():
        assert formfields.check(fields, {"income": "Rp 2.750.000"}) == ({"income": "2750000"}, {})
        answers, errors = formfields.check(fields, {"income": "2,5 juta"})
        assert "income" in errors and "Rupiah" in errors["income"]


def dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def test_every_money_field_takes_the_amount_however_it_is_typed(cli, make_instance):
    """SPTPD turnover, a tax bill's payment and a permit fee's payment (etax and permits through the core's
    one payment form, egovkit.services.payments.entered): "2.500.000", "2500000" and "Rp 2.500.000" alike."""
    from .conftest import csrf_token
    from .test_etax import last_month, make_regency, staff
    from .test_payments import EXTRA_STAFF, PASSWORD, billed_permit, declare, due_today, entries, month_before
    from .test_payments import tax_object, today

    app = make_regency(cli, make_instance)
    accounts(cli, [{"email": email, "name": email.split("@")[0].title(), "role": role, "agency": agency}
                   for email, role, agency in EXTRA_STAFF], PASSWORD)
    obj = tax_object(app)
    first, second = last_month(), month_before(last_month())
    bills = [declare(app, obj, first, "Rp 2.500.000"), declare(app, obj, second, "2500000")]
    officer = staff(app, "staf@bapenda.id")
    page = f"/pajak/objects/{obj}"
    for bill, typed in zip(bills, (dotted, lambda n: f"Rp {dotted(n)}"), strict=True):
        due = due_today(officer, obj, bill)
        done = officer.post(f"/pajak/bills/{bill}/pay", follow_redirects=True, data={
            "csrf_token": csrf_token(officer, page), "paid_on": today().isoformat(), "reference": f"BJB-M-{bill}",
            "amount": typed(due)}).get_data(as_text=True)
        assert "tagihan lunas" in done, done
    refused = officer.post(f"/pajak/objects/{obj}/declare", follow_redirects=True, data={
        "csrf_token": csrf_token(officer, page), "period": "2020-01", "turnover": "2,5 juta"}).get_data(as_text=True)
    assert "Omzet" in refused or "Rupiah" in refused
    assert sorted(e.payable_id for e in entries(app, "etax") if e.standing) == sorted(str(b) for b in bills)

    front = staff(app, "fo@dpmptsp.id")
    _sri, url = billed_permit(app)
    bad = front.post(f"{url}/payment", data={"csrf_token": csrf_token(front, url), "reference": "BJ-M-1",
                                             "paid_on": today().isoformat(), "amount": "250.000,50"})
    assert bad.status_code == 400 and "Bilangan bulat Rupiah" in bad.get_data(as_text=True)
    paid = front.post(f"{url}/payment", data={"csrf_token": csrf_token(front, url), "reference": "BJ-M-1",
                                              "paid_on": today().isoformat(), "amount": "Rp 250.000"})
    assert paid.status_code == 302
    assert [e.amount for e in entries(app, "permits")] == [250_000]

