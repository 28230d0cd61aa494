"""The relational store (SQLAlchemy 2, Alembic): accounts, API keys, orientation events,
audit log. SQLite by default (a file in ``RELAIS_DATA_DIR``), PostgreSQL 15+ in production
(psycopg 3). Implements the interfaces of ``accounts.repository`` and
``resource_base.orientation``; nothing here imports Flask.
"""

from persistence.database import Database, DatabaseError, DatabaseOutOfDate

__all__ = ["Database", "DatabaseError", "DatabaseOutOfDate"]
