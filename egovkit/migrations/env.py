"""Alembic environment shared by the core and every module.

egovkit.db sets ``module``, ``version_table`` and ``prefix`` on the config;
only tables with that prefix are compared, so one module's autogenerate
never touches another module's tables.
"""
from alembic import context
from flask import current_app

config = context.config
db = current_app.extensions["migrate"].db
prefix = config.attributes["prefix"]
version_table = config.attributes["version_table"]


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return name.startswith(prefix)
    table = getattr(obj, "table", None)
    return table is None or table.name.startswith(prefix)


def run_offline():
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True,
                      version_table=version_table, include_object=include_object, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, version_table=version_table,
                          include_object=include_object, render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
