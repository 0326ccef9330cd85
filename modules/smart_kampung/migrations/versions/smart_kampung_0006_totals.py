"""smart_kampung: regency totals of living residents by sex and birth year

The regency dashboard's population pyramid summed ~41,000 counter rows
(217 villages x 2 sexes x ~95 birth years) with a sort on every view not
served from its memo: ~20-30 ms of a 50 ms budget on a slow machine. This
table holds the same counts for the whole regency (~190 rows), kept by the
same triggers as smart_kampung_population (one more upsert per change of a
living resident), and filled here from it.

Revision ID: smart_kampung_0006
Revises: smart_kampung_0005
Create Date: 2026-11-30
"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0006"
down_revision = "smart_kampung_0005"
branch_labels = None
depends_on = None

_YEAR = {"sqlite": "CAST(substr({row}.birth_date, 1, 4) AS INTEGER)",
         "postgresql": "EXTRACT(YEAR FROM {row}.birth_date)::integer"}


def _counts_migration():
    """smart_kampung_0005, whose triggers this one extends (and restores on downgrade)."""
    spec = importlib.util.spec_from_file_location("smart_kampung_0005_counts",
                                                  Path(__file__).with_name("smart_kampung_0005_counts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sqlite_triggers() -> list[str]:
    year = _YEAR["sqlite"]
    old, new = year.format(row="OLD"), year.format(row="NEW")
    return [
        f"""CREATE TRIGGER smart_kampung_population_insert AFTER INSERT ON smart_kampung_resident
        WHEN NEW.status = 'alive' BEGIN
            INSERT INTO smart_kampung_population (village_code, sex, birth_year, n)
            VALUES (NEW.village_code, NEW.sex, {new}, 1)
            ON CONFLICT (village_code, sex, birth_year) DO UPDATE SET n = n + 1;
            INSERT INTO smart_kampung_population_total (sex, birth_year, n) VALUES (NEW.sex, {new}, 1)
            ON CONFLICT (sex, birth_year) DO UPDATE SET n = n + 1;
        END""",
        f"""CREATE TRIGGER smart_kampung_population_delete AFTER DELETE ON smart_kampung_resident
        WHEN OLD.status = 'alive' BEGIN
            UPDATE smart_kampung_population SET n = n - 1
            WHERE village_code = OLD.village_code AND sex = OLD.sex AND birth_year = {old};
            UPDATE smart_kampung_population_total SET n = n - 1 WHERE sex = OLD.sex AND birth_year = {old};
        END""",
        f"""CREATE TRIGGER smart_kampung_population_update
        AFTER UPDATE OF village_code, sex, birth_date, status ON smart_kampung_resident
        WHEN (OLD.status = 'alive' OR NEW.status = 'alive') AND (OLD.village_code IS NOT NEW.village_code
              OR OLD.sex IS NOT NEW.sex OR OLD.birth_date IS NOT NEW.birth_date OR OLD.status IS NOT NEW.status)
        BEGIN
            UPDATE smart_kampung_population SET n = n - 1
            WHERE OLD.status = 'alive' AND village_code = OLD.village_code AND sex = OLD.sex AND birth_year = {old};
            INSERT INTO smart_kampung_population (village_code, sex, birth_year, n)
            SELECT NEW.village_code, NEW.sex, {new}, 1 WHERE NEW.status = 'alive'
            ON CONFLICT (village_code, sex, birth_year) DO UPDATE SET n = n + 1;
            UPDATE smart_kampung_population_total SET n = n - 1
            WHERE OLD.status = 'alive' AND sex = OLD.sex AND birth_year = {old};
            INSERT INTO smart_kampung_population_total (sex, birth_year, n)
            SELECT NEW.sex, {new}, 1 WHERE NEW.status = 'alive'
            ON CONFLICT (sex, birth_year) DO UPDATE SET n = n + 1;
        END""",
    ]


POSTGRESQL_FUNCTION = """CREATE OR REPLACE FUNCTION smart_kampung_population_count() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF OLD.status = 'alive' THEN
                UPDATE smart_kampung_population SET n = n - 1
                WHERE village_code = OLD.village_code AND sex = OLD.sex
                  AND birth_year = EXTRACT(YEAR FROM OLD.birth_date)::integer;
                UPDATE smart_kampung_population_total SET n = n - 1
                WHERE sex = OLD.sex AND birth_year = EXTRACT(YEAR FROM OLD.birth_date)::integer;
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            IF NEW.status = 'alive' THEN
                INSERT INTO smart_kampung_population (village_code, sex, birth_year, n)
                VALUES (NEW.village_code, NEW.sex, EXTRACT(YEAR FROM NEW.birth_date)::integer, 1)
                ON CONFLICT (village_code, sex, birth_year) DO UPDATE SET n = smart_kampung_population.n + 1;
                INSERT INTO smart_kampung_population_total (sex, birth_year, n)
                VALUES (NEW.sex, EXTRACT(YEAR FROM NEW.birth_date)::integer, 1)
                ON CONFLICT (sex, birth_year) DO UPDATE SET n = smart_kampung_population_total.n + 1;
            END IF;
        END IF;
        RETURN NULL;
    END $$"""

_SQLITE_POPULATION_TRIGGERS = ("smart_kampung_population_insert", "smart_kampung_population_delete",
                               "smart_kampung_population_update")


def _dialect() -> str:
    return op.get_bind().dialect.name


def upgrade():
    op.create_table(
        "smart_kampung_population_total",
        sa.Column("sex", sa.String(1), primary_key=True),
        sa.Column("birth_year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    if _dialect() == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)  # the triggers call it: replacing it is enough
    else:
        for name in _SQLITE_POPULATION_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in _sqlite_triggers():
            op.execute(sql)
    op.execute("""INSERT INTO smart_kampung_population_total (sex, birth_year, n)
                  SELECT sex, birth_year, sum(n) FROM smart_kampung_population GROUP BY sex, birth_year""")


def downgrade():
    counts = _counts_migration()
    if _dialect() == "postgresql":
        op.execute(counts.POSTGRESQL[0])  # 0005's function
    else:
        for name in _SQLITE_POPULATION_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in counts.SQLITE:
            if any(f"TRIGGER {name} " in sql or f"TRIGGER {name}\n" in sql for name in _SQLITE_POPULATION_TRIGGERS):
                op.execute(sql)
    op.drop_table("smart_kampung_population_total")
