"""Open data: every dataset of every enabled module, as CSV and JSON and in the DCAT-AP catalogue, holds
aggregates only: no NIK, no person's name, small counts suppressed; a personal column cannot be declared."""
import csv
import io
import json
import re
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from egovkit.modules import Dataset, DatasetColumn, import_path

from .test_complaints import file
from .test_letters import village  # noqa: F401  (fixture)

NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")


def _names(app) -> set[str]:
    """Every person's name the instance holds (accounts, residents, taxpayers, applicants)."""
    from egovkit.db import db
    from egovkit.models import User
    from egovkit_modules.etax.models import Taxpayer
    from egovkit_modules.permits.models import Permit
    from egovkit_modules.smart_kampung.models import Resident

    with app.app_context():
        names = set(db.session.scalars(select(User.name)))
        names |= set(db.session.scalars(select(Resident.name)))
        names |= set(db.session.scalars(select(Taxpayer.name)))
        names |= set(db.session.scalars(select(Permit.applicant_name)))
    return {n for n in names if n and len(n) >= 4}


def test_every_dataset_of_every_enabled_module_is_aggregate_and_suppressed(app, client):
    assert file(client).status_code == 302  # one complaint: a count of 1 to suppress
    from egovkit.services import opendata

    with app.test_request_context():
        items = opendata.published()
        limit = opendata.threshold()
        raw_small = sum(1 for item in items for row in import_path(item.dataset.rows)()
                        for c in item.dataset.columns if c.type == "count" and 0 < (row.get(c.name) or 0) < limit)
    idents = {i.ident for i in items}
    assert {"smart_kampung/population", "smart_kampung/letters", "village_finance/apbdes", "permits/issued",
            "etax/revenue", "complaints/per-unit-month"} <= idents
    assert raw_small > 0  # the figures do hold small cells, so suppression below is tested, not assumed
    names = _names(app)
    assert names
    suppressed = 0
    for ident in sorted(idents):
        response = client.get(f"/data/{ident}.json")
        assert response.status_code == 200 and response.mimetype == "application/json", ident
        body = response.get_json()
        columns = {c["name"]: c for c in body["columns"]}
        for row in body["rows"]:
            assert set(row) == set(columns), ident
            for name, value in row.items():
                text = "" if value is None else str(value)
                assert not NIK.search(text), (ident, name, text)
                assert text not in names and not any(n in text for n in names if len(n) >= 8), (ident, name)
                if columns[name]["type"] == "count":
                    assert value is None or value == 0 or value >= limit, (ident, name, value)
                    suppressed += value is None
        listed = client.get(f"/data/{ident}.csv")
        assert listed.status_code == 200 and listed.mimetype == "text/csv", ident
        rows = list(csv.DictReader(io.StringIO(listed.get_data(as_text=True).lstrip("\ufeff"))))
        assert len(rows) == len(body["rows"]) and (not rows or list(rows[0]) == list(columns))
        for row in rows:
            for value in row.values():
                assert not NIK.search(value) and value not in names, ident
        assert client.get(f"/data/{ident}").status_code == 200
    assert suppressed > 0
    complaints = client.get("/data/complaints/per-unit-month.csv").get_data(as_text=True)
    assert f"<{limit}" in complaints  # one complaint: shown as suppressed, not as 1


def test_the_dcat_catalogue_describes_every_dataset_and_its_downloads_answer(app, client):
    page = client.get("/data").get_data(as_text=True)
    assert "Jumlah penduduk per desa, jenis kelamin dan kelompok umur" in page
    response = client.get("/data/catalog.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    catalogue = json.loads(response.get_data(as_text=True))
    assert catalogue["@type"] == "dcat:Catalog" and catalogue["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert catalogue["dct:publisher"]["foaf:name"] == "Pemerintah Kabupaten Banyuwangi"
    datasets = catalogue["dcat:dataset"]
    assert len(datasets) >= 6
    for ds in datasets:
        assert ds["@type"] == "dcat:Dataset"
        for key in ("dct:title", "dct:description", "dct:publisher", "dct:license", "dct:modified",
                    "dct:spatial", "dct:accrualPeriodicity", "dcat:distribution"):
            assert ds[key], (ds["@id"], key)
        assert {t["@language"] for t in ds["dct:title"]} == {"id", "en"}
        formats = set()
        for dist in ds["dcat:distribution"]:
            assert dist["@type"] == "dcat:Distribution"
            url = dist["dcat:downloadURL"]["@id"]
            media = dist["dcat:mediaType"]["@id"].rsplit("/media-types/", 1)[1]
            answer = client.get(urlsplit(url).path)
            assert answer.status_code == 200 and answer.mimetype == media, url
            formats.add(dist["dct:format"])
        assert formats == {"CSV", "JSON"}


def test_a_personal_column_cannot_be_declared():
    for name in ("nik", "nama", "nama_lengkap", "address", "alamat_rumah", "phone", "email", "no_kk",
                 "birth_date", "npwpd"):
        with pytest.raises(ValueError):
            DatasetColumn(name, "string", {"id": name})
    with pytest.raises(ValueError):
        DatasetColumn("total", "blob", {"id": "x"})
    with pytest.raises(ValueError):  # a guard must be one of its counts
        Dataset("x-y", {"id": "x"}, {"id": "x"}, rows="a:b", columns=(DatasetColumn("n", "integer", {"id": "n"}),),
                guard="n")


def leaky():
    return [{"month": "2026-01", "n": 7, "secret": "Sri Wahyuni"}]


def test_rows_with_an_undeclared_column_are_refused(app):
    from egovkit.services import opendata

    with app.app_context():
        item = opendata.published()[0]
        fake = replace(item, dataset=Dataset("leak", {"id": "x"}, {"id": "x"}, rows="tests.test_opendata:leaky",
                                             columns=(DatasetColumn("month", "month", {"id": "m"}),
                                                      DatasetColumn("n", "count", {"id": "n"}))))
        with pytest.raises(ValueError, match="undeclared"):
            opendata.compute(fake)


def test_letters_permits_and_tax_revenue_are_counted_from_what_was_issued_and_paid(village):  # noqa: F811
    """A signed letter, an issued permit and paid tax bills appear in their datasets (raw counts exact),
    small ones suppressed when published; two payers' tax is suppressed with its count."""
    from datetime import date

    from egovkit.db import db
    from egovkit.models import User
    from egovkit.services import opendata, payments
    from egovkit_modules.etax.models import BILL, Declaration, TaxObject, Taxpayer
    from egovkit_modules.permits.models import Permit

    from .test_letters import ask, citizen, decide, signed_in
    from .test_permits import apply

    sri = citizen(village)
    url = ask(sri, "domisili", since="2015-01-01", purpose="Melamar pekerjaan").headers["Location"]
    decide(signed_in(village, "op.sarongan@desa.id"), url, "verify")
    decide(signed_in(village, "kades.sarongan@desa.id"), url, "sign")
    permit = apply(sri)
    assert permit.status_code == 302
    with village.test_request_context():
        db.session.get(Permit, int(permit.headers["Location"].rsplit("/", 1)[1])).issued_on = date(2026, 3, 9)
        clerk = db.session.scalar(select(User.id).where(User.email == "op.sarongan@desa.id"))
        for n, amount in enumerate((1_000_000, 2_500_000)):
            payer = Taxpayer(npwpd=f"P.{n}", name=f"Wajib Pajak {n}", address="Jl. Raya 1", agency_code="bapenda")
            db.session.add(payer)
            db.session.flush()
            obj = TaxObject(taxpayer_id=payer.id, tax_type="restoran", name=f"Warung {n}", address="Jl. Raya 1",
                            agency_code="bapenda")
            db.session.add(obj)
            db.session.flush()
            bill = Declaration(object_id=obj.id, period="2026-02", tax_type="restoran", turnover=amount * 10,
                               rate_bp=1000, tax_due=amount, billing_code=f"3510000000000{n:03d}",
                               due_date=date(2026, 3, 15), agency_code="bapenda")
            db.session.add(bill)
            db.session.flush()
            payments.record(BILL.payable(bill.id, amount=amount, billed_on=date(2026, 3, 1), agency_code="bapenda"),
                            amount=amount, paid_on=date(2026, 3, 10), reference=f"BANK-{n}", user=clerk)
        db.session.commit()
        items = {i.ident: i for i in opendata.published()}
        letters = opendata.compute(items["smart_kampung/letters"])
        raw_letters = list(import_path(items["smart_kampung/letters"].dataset.rows)())
        raw_permits = list(import_path(items["permits/issued"].dataset.rows)())
        raw_tax = list(import_path(items["etax/revenue"].dataset.rows)())
        tax = opendata.compute(items["etax/revenue"])
    assert [(r["letter_type"], r["letters"]) for r in raw_letters] == [("domisili", 1)]
    assert letters.rows[0]["letters"] is None and letters.suppressed == 1
    assert raw_permits == [{"month": "2026-03", "permit_type": "restoran", "permits": 1}]
    assert raw_tax == [{"month": "2026-03", "tax_type": "restoran", "payments": 2, "revenue": 3_500_000}]
    assert tax.rows == [{"month": "2026-03", "tax_type": "restoran", "payments": None, "revenue": None}]


def test_rdflib_harvests_the_catalogue_as_dcat(app, client):
    """The JSON-LD parses as RDF (what ckanext-dcat does) into a dcat:Catalog whose every dataset has a title
    in Indonesian, a publisher, a licence and distributions with a download URL and an IANA media type."""
    from rdflib import Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCAT, DCTERMS, RDF

    graph = Graph().parse(data=client.get("/data/catalog.jsonld").get_data(as_text=True), format="json-ld")
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    datasets = set(graph.objects(catalogs[0], DCAT.dataset))
    assert len(datasets) >= 6 and datasets == set(graph.subjects(RDF.type, DCAT.Dataset))
    iana = Namespace("http://www.iana.org/assignments/media-types/")
    for ds in datasets:
        assert any(t.language == "id" for t in graph.objects(ds, DCTERMS.title)), ds
        assert graph.value(ds, DCTERMS.publisher) is not None and isinstance(graph.value(ds, DCTERMS.license), URIRef)
        assert isinstance(graph.value(ds, DCTERMS.modified), Literal)
        distributions = list(graph.objects(ds, DCAT.distribution))
        media = {graph.value(d, DCAT.mediaType) for d in distributions}
        assert media == {iana["text/csv"], iana["application/json"]}, ds
        for d in distributions:
            url = graph.value(d, DCAT.downloadURL)
            assert client.get(urlsplit(str(url)).path).status_code == 200, url
