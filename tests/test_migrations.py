"""Each module's Alembic history builds exactly the tables its models declare."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from egovkit import db as dbm
from egovkit.db import db


def test_models_match_migrations_for_core_and_every_enabled_module(app):
    with app.app_context(), db.engine.connect() as conn:
        names = [dbm.CORE] + [m.name for m in app.extensions["egovkit"].modules]
        for name in names:
            prefix = dbm.target(name)[2]

            def only_mine(obj, obj_name, type_, reflected, compare_to, prefix=prefix):
                if type_ == "index" and reflected and str(obj_name).endswith("_trgm"):
                    return False  # pg_trgm indexes: made by a migration only where the extension can be
                table = obj_name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
                return table.startswith(prefix)

            ctx = MigrationContext.configure(conn, opts={"include_object": only_mine, "compare_type": True})
            assert compare_metadata(ctx, db.metadata) == [], name
