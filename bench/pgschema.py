"""A throwaway PostgreSQL schema for a benchmark run (imported by the bench scripts beside it)."""
from __future__ import annotations

import uuid


def fresh_schema(url: str) -> tuple[str, str]:
    """(URL whose connections use a new, empty schema; the schema's name)."""
    from sqlalchemy import create_engine, make_url, text

    schema = "bench_" + uuid.uuid4().hex[:10]
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False), schema


def drop_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
