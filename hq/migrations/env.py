"""Alembic's entry point: run the migrations on the connection that :func:`hq.database.migrate` passes."""

from alembic import context

from hq.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
