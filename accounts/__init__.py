"""People and access: organisations, people, roles, territories and who may see or do what.

Pure domain: no Flask, no SQLAlchemy. The relational store (``persistence/``) implements the
interfaces defined in ``accounts.repository``; the web UI and the CLI call ``accounts.services``.
"""
