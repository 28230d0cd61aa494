"""Alembic environment: run with the connection ``persistence.database`` passes in."""

from alembic import context

from persistence.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
