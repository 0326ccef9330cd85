"""One way to type money everywhere: "1.500.000", "1500000" and "Rp 1.500.000" are the same amount."""
import pytest

from egovkit import formfields


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
