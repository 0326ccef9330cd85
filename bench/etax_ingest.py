"""etax: transactions/s through the device ingestion API, single and batched.

Makes a fresh Banyuwangi instance (SQLite in a temporary folder, or a fresh
schema of the PostgreSQL database given with --database-url, dropped at the
end), one taxpayer with one restaurant and one registered device, then posts
sales in-process through the Flask test client with the device's token:

- single: POST /api/v1/etax/transactions, one sale per request;
- batched: POST /api/v1/etax/transactions/batch, --batch sales per request.

Baselines in the same run, on the same database and table: bare SQLAlchemy
Core INSERTs into etax_transaction, one row per transaction (what a single
request must at least do) and --batch rows per transaction (executemany, what
a batch must at least do).

    python bench/etax_ingest.py
    python bench/etax_ingest.py --singles 2000 --batches 40 --batch 500
    python bench/etax_ingest.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Goal: 1,000 transactions/s with batches. Exits 0 whether or not the goal is
met (a measurement, not a test); 1 when something fails outright.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pgschema import drop_schema, fresh_schema  # bench/pgschema.py, beside this script

GOAL = 1000.0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sales(prefix: str, n: int, start: datetime) -> list[dict]:
    return [{"receipt": f"{prefix}-{i}", "amount": 10_000 + i % 90_000,
             "at": (start + timedelta(seconds=i)).isoformat()} for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--singles", type=int, default=2000, help="Sales posted one per request.")
    parser.add_argument("--batches", type=int, default=40, help="Batch requests.")
    parser.add_argument("--batch", type=int, default=500, help="Sales per batch request (at most 1000).")
    parser.add_argument("--database-url", help="A PostgreSQL URL: a fresh schema is made in it and dropped.")
    args = parser.parse_args()
    if not 1 <= args.batch <= 1000:
        parser.error("--batch: 1 to 1000")

    tmp = Path(tempfile.mkdtemp(prefix="egovkit-bench-etax-"))
    schema = None
    try:
        os.environ["EGOVKIT_ADMIN_PASSWORD"] = "bench-password-123"
        os.environ.pop("EGOVKIT_INSTANCE", None)
        if args.database_url:
            url, schema = fresh_schema(args.database_url)
            os.environ["EGOVKIT_DATABASE_URL"] = url
        else:
            os.environ.pop("EGOVKIT_DATABASE_URL", None)
        from click.testing import CliRunner
        from sqlalchemy import delete, insert

        from egovkit.app import create_app
        from egovkit.cli import main as cli
        from egovkit.db import db

        instance = tmp / "instance"
        result = CliRunner().invoke(cli, ["init", "--profile", "banyuwangi", "--instance", str(instance)])
        if result.exit_code != 0:
            log(result.output)
            return 1
        app = create_app(instance, {"TESTING": True})
        with app.test_request_context():
            from egovkit_modules.etax import service
            from egovkit_modules.etax.models import Transaction

            payer = service.taxpayer_for("3510010101800001", "Bench Resto", "Jl. Bench 1")
            obj = service.add_object(payer, "restoran", "Bench Resto", "Jl. Bench 1")
            device, secret = service.register_device(obj, "bench")
            db.session.commit()
            device_id, object_id = device.id, obj.id
            engine_name = db.engine.url.get_backend_name()
        client = app.test_client()
        headers = {"X-Device-Token": secret}
        start = datetime.now(timezone.utc) - timedelta(days=20)

        rows = []
        singles = sales("S", args.singles, start)
        t0 = time.perf_counter()
        for sale in singles:
            response = client.post("/api/v1/etax/transactions", json=sale, headers=headers)
            if response.status_code != 201:
                log(f"single: {response.status_code} {response.get_data(as_text=True)}")
                return 1
        rows.append(("API single (1 per request)", args.singles, time.perf_counter() - t0))

        t0 = time.perf_counter()
        for b in range(args.batches):
            body = {"transactions": sales(f"B{b}", args.batch, start)}
            response = client.post("/api/v1/etax/transactions/batch", json=body, headers=headers)
            if response.status_code != 201 or response.json["stored"] != args.batch:
                log(f"batch: {response.status_code} {response.get_data(as_text=True)[:500]}")
                return 1
        rows.append((f"API batched ({args.batch} per request)", args.batches * args.batch, time.perf_counter() - t0))

        with app.app_context():
            def row(prefix, i):
                at = start + timedelta(seconds=i)
                return {"device_id": device_id, "object_id": object_id, "receipt": f"{prefix}-{i}",
                        "amount": 10_000 + i, "at": at, "period": at.strftime("%Y-%m"), "created_at": at}

            with db.engine.connect() as conn:
                conn.execute(delete(Transaction).where(Transaction.receipt.like("X%")))
                conn.commit()
                t0 = time.perf_counter()
                for i in range(args.singles):
                    conn.execute(insert(Transaction), [row("XS", i)])
                    conn.commit()
                rows.append(("bare INSERT, 1 per transaction", args.singles, time.perf_counter() - t0))
                t0 = time.perf_counter()
                for b in range(args.batches):
                    conn.execute(insert(Transaction), [row(f"XB{b}", i) for i in range(args.batch)])
                    conn.commit()
                rows.append((f"bare INSERT, {args.batch} per transaction", args.batches * args.batch,
                             time.perf_counter() - t0))

        print(f"etax ingestion, {engine_name}, in-process (Flask test client)")
        print(f"{'case':<40} {'sales':>8} {'seconds':>8} {'sales/s':>9}")
        rates = {}
        for name, n, seconds in rows:
            rates[name] = n / seconds
            print(f"{name:<40} {n:>8,} {seconds:>8.2f} {n / seconds:>9,.0f}")
        single_api, batch_api, single_sql, batch_sql = (rates[r[0]] for r in rows)
        print(f"\nAPI single = {single_api / single_sql:.0%} of bare single INSERTs; "
              f"API batched = {batch_api / batch_sql:.0%} of bare batched INSERTs")
        verdict = "MET" if batch_api >= GOAL else "NOT MET"
        print(f"goal (>= {GOAL:,.0f} sales/s with batches): {batch_api:,.0f}/s {verdict}")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return 0
    finally:
        if schema:
            drop_schema(args.database_url, schema)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
