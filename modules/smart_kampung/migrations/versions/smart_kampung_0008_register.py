"""smart_kampung: the register's books, statistics counters and name search

- smart_kampung_mutation: the Buku Mutasi Penduduk (born, died, moved out/in, added, corrected);
- smart_kampung_arrival: a move from another village of the regency, waiting for the destination's operator;
- smart_kampung_stat: living residents per village, sex and education / occupation / religion / marital
  status / RW-RT, and every resident per status, kept by triggers like smart_kampung_population (0005);
- indexes for the residents list's orders (age, RT/RW);
- substring name search: on PostgreSQL a pg_trgm GIN index on lower(name) when the extension can be
  created (else searches scan, see docs/register.md); on SQLite an FTS5 trigram table kept by triggers
  when the SQLite library has the trigram tokenizer (3.34+), else the same fallback.

Like 0005: no batch_alter_table on the resident table (a rebuild drops its triggers on SQLite).

Revision ID: smart_kampung_0008
Revises: smart_kampung_0007
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "smart_kampung_0008"
down_revision = "smart_kampung_0007"
branch_labels = None
depends_on = None

FTS = "fts_smart_kampung_resident"  # SQLite: FTS5 trigram index of names (its shadow tables are
# not prefixed smart_kampung_, so schema comparison leaves them alone)
# (dimension, column expression on a NEW/OLD row), counted for living residents
DIMS = (("edu", "{r}.education"), ("occ", "{r}.occupation"), ("rel", "{r}.religion"),
        ("mar", "{r}.marital_status"), ("rtrw", "{r}.rw || '/' || {r}.rt"))
_WATCHED = ("village_code", "sex", "status", "education", "occupation", "religion", "marital_status", "rt", "rw")


def _sqlite_rows(r: str) -> str:
    """(dim, value) rows a resident row counts in, as a SELECT."""
    parts = [f"SELECT 'status' AS dim, {r}.status AS value"]
    parts += [f"SELECT '{d}', {expr.format(r=r)} WHERE {r}.status = 'alive'" for d, expr in DIMS]
    return " UNION ALL ".join(parts)


def _sqlite_add(r: str) -> str:
    return f"""INSERT INTO smart_kampung_stat (dim, village_code, value, sex, n)
        SELECT dim, {r}.village_code, value, {r}.sex, 1 FROM ({_sqlite_rows(r)}) WHERE true
        ON CONFLICT (dim, village_code, value, sex) DO UPDATE SET n = n + 1;"""


def _sqlite_remove(r: str) -> str:
    out = [f"""UPDATE smart_kampung_stat SET n = n - 1 WHERE dim = 'status' AND village_code = {r}.village_code
        AND value = {r}.status AND sex = {r}.sex;"""]
    for d, expr in DIMS:
        out.append(f"""UPDATE smart_kampung_stat SET n = n - 1 WHERE {r}.status = 'alive' AND dim = '{d}'
        AND village_code = {r}.village_code AND value = {expr.format(r=r)} AND sex = {r}.sex;""")
    return "\n".join(out)


_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED)
SQLITE = [
    f"""CREATE TRIGGER smart_kampung_stat_insert AFTER INSERT ON smart_kampung_resident BEGIN
        {_sqlite_add("NEW")}
    END""",
    f"""CREATE TRIGGER smart_kampung_stat_delete AFTER DELETE ON smart_kampung_resident BEGIN
        {_sqlite_remove("OLD")}
    END""",
    f"""CREATE TRIGGER smart_kampung_stat_update AFTER UPDATE OF {", ".join(_WATCHED)} ON smart_kampung_resident
    WHEN {_CHANGED} BEGIN
        {_sqlite_remove("OLD")}
        {_sqlite_add("NEW")}
    END""",
]
SQLITE_FTS = [
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(name, content='smart_kampung_resident', content_rowid='id',
        tokenize='trigram')""",
    f"""CREATE TRIGGER smart_kampung_fts_insert AFTER INSERT ON smart_kampung_resident BEGIN
        INSERT INTO {FTS} (rowid, name) VALUES (NEW.id, NEW.name);
    END""",
    f"""CREATE TRIGGER smart_kampung_fts_delete AFTER DELETE ON smart_kampung_resident BEGIN
        INSERT INTO {FTS} ({FTS}, rowid, name) VALUES ('delete', OLD.id, OLD.name);
    END""",
    f"""CREATE TRIGGER smart_kampung_fts_update AFTER UPDATE OF name ON smart_kampung_resident
    WHEN OLD.name IS NOT NEW.name BEGIN
        INSERT INTO {FTS} ({FTS}, rowid, name) VALUES ('delete', OLD.id, OLD.name);
        INSERT INTO {FTS} (rowid, name) VALUES (NEW.id, NEW.name);
    END""",
    f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')",  # the residents already there
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    "smart_kampung_stat_insert", "smart_kampung_stat_delete", "smart_kampung_stat_update",
    "smart_kampung_fts_insert", "smart_kampung_fts_delete", "smart_kampung_fts_update")] + [
    f"DROP TABLE IF EXISTS {FTS}"]


def _pg_arrays(r: str) -> str:
    exprs = ", ".join(expr.format(r=r) for _, expr in DIMS)
    names = ", ".join(f"'{d}'" for d, _ in DIMS)
    return f"""dims := ARRAY['status']; vals := ARRAY[{r}.status::text];
            IF {r}.status = 'alive' THEN
                dims := dims || ARRAY[{names}]; vals := vals || ARRAY[{exprs}]::text[];
            END IF;"""


POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION smart_kampung_stat_count() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE dims text[]; vals text[];
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_pg_arrays("OLD")}
            UPDATE smart_kampung_stat s SET n = s.n - 1 FROM unnest(dims, vals) AS d(dim, value)
            WHERE s.dim = d.dim AND s.village_code = OLD.village_code AND s.value = d.value AND s.sex = OLD.sex;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            {_pg_arrays("NEW")}
            INSERT INTO smart_kampung_stat (dim, village_code, value, sex, n)
            SELECT d.dim, NEW.village_code, d.value, NEW.sex, 1 FROM unnest(dims, vals) AS d(dim, value)
            ON CONFLICT (dim, village_code, value, sex) DO UPDATE SET n = smart_kampung_stat.n + 1;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER smart_kampung_stat_insert AFTER INSERT ON smart_kampung_resident
    FOR EACH ROW EXECUTE FUNCTION smart_kampung_stat_count()""",
    """CREATE TRIGGER smart_kampung_stat_delete AFTER DELETE ON smart_kampung_resident
    FOR EACH ROW EXECUTE FUNCTION smart_kampung_stat_count()""",
    f"""CREATE TRIGGER smart_kampung_stat_update AFTER UPDATE OF {", ".join(_WATCHED)} ON smart_kampung_resident
    FOR EACH ROW WHEN (({", ".join("OLD." + c for c in _WATCHED)})
                       IS DISTINCT FROM ({", ".join("NEW." + c for c in _WATCHED)}))
    EXECUTE FUNCTION smart_kampung_stat_count()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS smart_kampung_stat_insert ON smart_kampung_resident",
    "DROP TRIGGER IF EXISTS smart_kampung_stat_delete ON smart_kampung_resident",
    "DROP TRIGGER IF EXISTS smart_kampung_stat_update ON smart_kampung_resident",
    "DROP FUNCTION IF EXISTS smart_kampung_stat_count()",
    "DROP INDEX IF EXISTS ix_smart_kampung_resident_name_trgm",
]


def _dialect() -> str:
    return op.get_bind().dialect.name


def refill() -> None:
    op.execute("DELETE FROM smart_kampung_stat")
    op.execute("""INSERT INTO smart_kampung_stat (dim, village_code, value, sex, n)
                  SELECT 'status', village_code, status, sex, count(*) FROM smart_kampung_resident
                  GROUP BY village_code, status, sex""")
    for d, expr in DIMS:
        value = expr.format(r="smart_kampung_resident")
        op.execute(f"""INSERT INTO smart_kampung_stat (dim, village_code, value, sex, n)
                       SELECT '{d}', village_code, {value}, sex, count(*) FROM smart_kampung_resident
                       WHERE status = 'alive' GROUP BY village_code, {value}, sex""")


def _trigram_search() -> None:
    bind = op.get_bind()
    if _dialect() == "postgresql":
        try:
            with bind.begin_nested():  # no right to create the extension: searches scan (docs/register.md)
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return
        # On lower(name), an expression: name_key holds the same text but the model declares its own indexes.
        op.execute("CREATE INDEX IF NOT EXISTS ix_smart_kampung_resident_name_trgm ON smart_kampung_resident "
                   "USING gin (lower(name) gin_trgm_ops)")
        return
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(f"CREATE VIRTUAL TABLE temp.{FTS}_probe USING fts5(x, tokenize='trigram')")
            bind.exec_driver_sql(f"DROP TABLE temp.{FTS}_probe")
    except sa.exc.DBAPIError:
        return  # no FTS5 or no trigram tokenizer in this SQLite: searches scan the (village, name) index
    for sql in SQLITE_FTS:
        op.execute(sql)


def upgrade():
    op.create_table(
        "smart_kampung_mutation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("smart_kampung_resident.id"), nullable=False),
        sa.Column("village_code", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("other_village", sa.String(13), nullable=True),
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("smart_kampung_letter.id"), nullable=True),
        sa.Column("note", sa.String(300), nullable=False),
        sa.Column("key", sa.String(60), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_smart_kampung_mutation_resident_id", "smart_kampung_mutation", ["resident_id"])
    op.create_index("ix_smart_kampung_mutation_village_date", "smart_kampung_mutation", ["village_code", "on_date"])
    op.create_table(
        "smart_kampung_arrival",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("smart_kampung_resident.id"), nullable=False),
        sa.Column("from_village", sa.String(13), nullable=False),
        sa.Column("to_village", sa.String(13), sa.ForeignKey("core_region.code"), nullable=False),
        sa.Column("moving_on", sa.Date(), nullable=False),
        sa.Column("letter_id", sa.Integer(), sa.ForeignKey("smart_kampung_letter.id"), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("family_id", sa.Integer(), sa.ForeignKey("smart_kampung_family.id"), nullable=True),
        sa.Column("key", sa.String(60), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_smart_kampung_arrival_resident_id", "smart_kampung_arrival", ["resident_id"])
    op.create_index("ix_smart_kampung_arrival_to_village", "smart_kampung_arrival", ["to_village"])
    op.create_table(
        "smart_kampung_stat",
        sa.Column("dim", sa.String(10), primary_key=True),
        sa.Column("village_code", sa.String(13), primary_key=True),
        sa.Column("value", sa.String(60), primary_key=True),
        sa.Column("sex", sa.String(1), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_smart_kampung_resident_village_birth", "smart_kampung_resident",
                    ["village_code", "birth_date"])
    op.create_index("ix_smart_kampung_resident_village_rwrt", "smart_kampung_resident",
                    ["village_code", "rw", "rt", "name_key"])
    op.create_index("ix_smart_kampung_resident_birth", "smart_kampung_resident", ["birth_date"])
    for sql in POSTGRESQL if _dialect() == "postgresql" else SQLITE:
        op.execute(sql)
    refill()
    _trigram_search()


def downgrade():
    for sql in POSTGRESQL_DROP if _dialect() == "postgresql" else SQLITE_DROP:
        op.execute(sql)
    op.drop_index("ix_smart_kampung_resident_birth", "smart_kampung_resident")
    op.drop_index("ix_smart_kampung_resident_village_rwrt", "smart_kampung_resident")
    op.drop_index("ix_smart_kampung_resident_village_birth", "smart_kampung_resident")
    op.drop_table("smart_kampung_stat")
    op.drop_table("smart_kampung_arrival")
    op.drop_table("smart_kampung_mutation")
