"""smart_kampung: population and family counters for the dashboard, kept by triggers

The regency dashboard summed 1.7 million resident rows per view (seconds on
SQLite). These two tables hold the counts it shows, per village: living
residents by sex and birth year, and family cards. Triggers on the resident
and family tables keep them exact on every write (import, letters, edits,
raw SQL alike), in the same transaction; this migration fills them from
the rows already there.

Note for later migrations: on SQLite, ``op.batch_alter_table`` on
smart_kampung_resident or smart_kampung_family rebuilds the table and drops
its triggers. Such a migration must create them again (call
``create_triggers()`` from this file's SQL) and refill the counters.

Revision ID: smart_kampung_0005
Revises: smart_kampung_0004
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0005"
down_revision = "smart_kampung_0004"
branch_labels = None
depends_on = None

# ------------------------------------------------------------------ SQLite
_SQLITE_YEAR = "CAST(substr({row}.birth_date, 1, 4) AS INTEGER)"  # dates are stored as YYYY-MM-DD text
SQLITE = [
    f"""CREATE TRIGGER smart_kampung_population_insert AFTER INSERT ON smart_kampung_resident
    WHEN NEW.status = 'alive' BEGIN
        INSERT INTO smart_kampung_population (village_code, sex, birth_year, n)
        VALUES (NEW.village_code, NEW.sex, {_SQLITE_YEAR.format(row="NEW")}, 1)
        ON CONFLICT (village_code, sex, birth_year) DO UPDATE SET n = n + 1;
    END""",
    f"""CREATE TRIGGER smart_kampung_population_delete AFTER DELETE ON smart_kampung_resident
    WHEN OLD.status = 'alive' BEGIN
        UPDATE smart_kampung_population SET n = n - 1
        WHERE village_code = OLD.village_code AND sex = OLD.sex AND birth_year = {_SQLITE_YEAR.format(row="OLD")};
    END""",
    f"""CREATE TRIGGER smart_kampung_population_update
    AFTER UPDATE OF village_code, sex, birth_date, status ON smart_kampung_resident
    WHEN (OLD.status = 'alive' OR NEW.status = 'alive') AND (OLD.village_code IS NOT NEW.village_code
          OR OLD.sex IS NOT NEW.sex OR OLD.birth_date IS NOT NEW.birth_date OR OLD.status IS NOT NEW.status)
    BEGIN
        UPDATE smart_kampung_population SET n = n - 1
        WHERE OLD.status = 'alive' AND village_code = OLD.village_code AND sex = OLD.sex
          AND birth_year = {_SQLITE_YEAR.format(row="OLD")};
        INSERT INTO smart_kampung_population (village_code, sex, birth_year, n)
        SELECT NEW.village_code, NEW.sex, {_SQLITE_YEAR.format(row="NEW")}, 1 WHERE NEW.status = 'alive'
        ON CONFLICT (village_code, sex, birth_year) DO UPDATE SET n = n + 1;
    END""",
    """CREATE TRIGGER smart_kampung_family_count_insert AFTER INSERT ON smart_kampung_family BEGIN
        INSERT INTO smart_kampung_family_count (village_code, n) VALUES (NEW.village_code, 1)
        ON CONFLICT (village_code) DO UPDATE SET n = n + 1;
    END""",
    """CREATE TRIGGER smart_kampung_family_count_delete AFTER DELETE ON smart_kampung_family BEGIN
        UPDATE smart_kampung_family_count SET n = n - 1 WHERE village_code = OLD.village_code;
    END""",
    """CREATE TRIGGER smart_kampung_family_count_update AFTER UPDATE OF village_code ON smart_kampung_family
    WHEN OLD.village_code IS NOT NEW.village_code BEGIN
        UPDATE smart_kampung_family_count SET n = n - 1 WHERE village_code = OLD.village_code;
        INSERT INTO smart_kampung_family_count (village_code, n) SELECT NEW.village_code, 1 WHERE true
        ON CONFLICT (village_code) DO UPDATE SET n = n + 1;
    END""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    "smart_kampung_population_insert", "smart_kampung_population_delete", "smart_kampung_population_update",
    "smart_kampung_family_count_insert", "smart_kampung_family_count_delete", "smart_kampung_family_count_update")]

# ------------------------------------------------------------------ PostgreSQL
POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION smart_kampung_population_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF OLD.status = 'alive' THEN
                UPDATE smart_kampung_population SET n = n - 1
                WHERE village_code = OLD.village_code AND sex = OLD.sex
                  AND birth_year = EXTRACT(YEAR FROM OLD.birth_date)::integer;
            END IF;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            IF NEW.status = 'alive' THEN
                INSERT INTO smart_kampung_population (village_code, sex, birth_year, n)
                VALUES (NEW.village_code, NEW.sex, EXTRACT(YEAR FROM NEW.birth_date)::integer, 1)
                ON CONFLICT (village_code, sex, birth_year) DO UPDATE SET n = smart_kampung_population.n + 1;
            END IF;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER smart_kampung_population_insert AFTER INSERT ON smart_kampung_resident
    FOR EACH ROW WHEN (NEW.status = 'alive') EXECUTE FUNCTION smart_kampung_population_count()""",
    """CREATE TRIGGER smart_kampung_population_delete AFTER DELETE ON smart_kampung_resident
    FOR EACH ROW WHEN (OLD.status = 'alive') EXECUTE FUNCTION smart_kampung_population_count()""",
    """CREATE TRIGGER smart_kampung_population_update
    AFTER UPDATE OF village_code, sex, birth_date, status ON smart_kampung_resident
    FOR EACH ROW WHEN ((OLD.status = 'alive' OR NEW.status = 'alive') AND (
        OLD.village_code, OLD.sex, OLD.birth_date, OLD.status)
        IS DISTINCT FROM (NEW.village_code, NEW.sex, NEW.birth_date, NEW.status))
    EXECUTE FUNCTION smart_kampung_population_count()""",
    """CREATE OR REPLACE FUNCTION smart_kampung_family_count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE smart_kampung_family_count SET n = n - 1 WHERE village_code = OLD.village_code;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            INSERT INTO smart_kampung_family_count (village_code, n) VALUES (NEW.village_code, 1)
            ON CONFLICT (village_code) DO UPDATE SET n = smart_kampung_family_count.n + 1;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER smart_kampung_family_count_insert AFTER INSERT ON smart_kampung_family
    FOR EACH ROW EXECUTE FUNCTION smart_kampung_family_count()""",
    """CREATE TRIGGER smart_kampung_family_count_delete AFTER DELETE ON smart_kampung_family
    FOR EACH ROW EXECUTE FUNCTION smart_kampung_family_count()""",
    """CREATE TRIGGER smart_kampung_family_count_update AFTER UPDATE OF village_code ON smart_kampung_family
    FOR EACH ROW WHEN (OLD.village_code IS DISTINCT FROM NEW.village_code)
    EXECUTE FUNCTION smart_kampung_family_count()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS smart_kampung_population_insert ON smart_kampung_resident",
    "DROP TRIGGER IF EXISTS smart_kampung_population_delete ON smart_kampung_resident",
    "DROP TRIGGER IF EXISTS smart_kampung_population_update ON smart_kampung_resident",
    "DROP TRIGGER IF EXISTS smart_kampung_family_count_insert ON smart_kampung_family",
    "DROP TRIGGER IF EXISTS smart_kampung_family_count_delete ON smart_kampung_family",
    "DROP TRIGGER IF EXISTS smart_kampung_family_count_update ON smart_kampung_family",
    "DROP FUNCTION IF EXISTS smart_kampung_population_count()",
    "DROP FUNCTION IF EXISTS smart_kampung_family_count()",
]


def _dialect() -> str:
    return op.get_bind().dialect.name


def create_triggers() -> None:
    for sql in POSTGRESQL if _dialect() == "postgresql" else SQLITE:
        op.execute(sql)


def refill() -> None:
    """Counters from the rows themselves (the triggers keep them from here on)."""
    year = ("EXTRACT(YEAR FROM birth_date)::integer" if _dialect() == "postgresql"
            else "CAST(substr(birth_date, 1, 4) AS INTEGER)")
    op.execute("DELETE FROM smart_kampung_population")
    op.execute(f"""INSERT INTO smart_kampung_population (village_code, sex, birth_year, n)
                   SELECT village_code, sex, {year}, count(*) FROM smart_kampung_resident
                   WHERE status = 'alive' GROUP BY village_code, sex, {year}""")
    op.execute("DELETE FROM smart_kampung_family_count")
    op.execute("""INSERT INTO smart_kampung_family_count (village_code, n)
                  SELECT village_code, count(*) FROM smart_kampung_family GROUP BY village_code""")


def upgrade():
    op.create_table(
        "smart_kampung_population",
        sa.Column("village_code", sa.String(13), primary_key=True),
        sa.Column("sex", sa.String(1), primary_key=True),
        sa.Column("birth_year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,  # on SQLite, rows kept in key order: 4x cheaper triggers than a rowid table
    )
    op.create_table(
        "smart_kampung_family_count",
        sa.Column("village_code", sa.String(13), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    create_triggers()
    refill()


def downgrade():
    for sql in POSTGRESQL_DROP if _dialect() == "postgresql" else SQLITE_DROP:
        op.execute(sql)
    op.drop_table("smart_kampung_family_count")
    op.drop_table("smart_kampung_population")
