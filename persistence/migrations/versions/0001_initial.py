"""Accounts, organisations, territories, audit log; API keys and orientation events taken over
from the SQLite files that held them before (``DATA_DIR/api.sqlite3``, table ``api_keys``;
``DATA_DIR/relais.sqlite3``, table ``orientations``). The old files are left untouched.

Revision ID: 0001
Revises:
"""

import json
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    api_keys = op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("token_hint", sa.String(20), nullable=False),
        sa.Column("origins", sa.JSON, nullable=False),
        sa.Column("rate_limit", sa.Integer, nullable=False),
        sa.Column("scopes", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.Column("revoked_at", sa.String(20)),
    )
    op.create_index(
        "api_keys_active_name",
        "api_keys",
        ["name"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    orientations = op.create_table(
        "orientations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("date", sa.String(20), nullable=False),
        sa.Column("departement", sa.String(3)),
        sa.Column("code_commune", sa.String(5)),
        sa.Column("agence", sa.String(20)),
        sa.Column("thematiques", sa.JSON, nullable=False),
        sa.Column("ressources", sa.JSON, nullable=False),
    )
    op.create_index("orientations_departement", "orientations", ["departement", "date"])
    op.create_table(
        "departements",
        sa.Column("code", sa.String(3), primary_key=True),
        sa.Column("partage", sa.Boolean, nullable=False),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("code", sa.String(20), nullable=False),
        sa.Column("nom", sa.String(200), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.UniqueConstraint("kind", "code", name="organisations_kind_code"),
    )
    op.create_table(
        "territories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("nom", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("courriel", sa.String(254), nullable=False),
        sa.UniqueConstraint("departement", "nom", name="territories_departement_nom"),
    )
    op.create_table(
        "territory_communes",
        sa.Column("code_insee", sa.String(5), primary_key=True),
        sa.Column(
            "territory_id",
            sa.Integer,
            sa.ForeignKey("territories.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("departement", sa.String(3), nullable=False),
    )
    op.create_index("territory_communes_departement", "territory_communes", ["departement"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("nom", sa.String(120), nullable=False),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("departement", sa.String(3)),
        sa.Column("agence", sa.String(20)),
        sa.Column(
            "territoire_id", sa.Integer, sa.ForeignKey("territories.id", ondelete="SET NULL")
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("oidc_subject", sa.String(255), unique=True),
        sa.Column("claims", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.Column("last_login_at", sa.String(20)),
    )
    op.create_index("users_departement", "users", ["departement", "status"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_email", sa.String(254), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("record", sa.String(200), nullable=False),
        sa.Column("departement", sa.String(3)),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("audit_log_departement", "audit_log", ["departement", "id"])
    _take_over(api_keys, orientations)


def _legacy_rows(path: Path, table: str) -> list[dict]:
    if not path.is_file():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return (
            [dict(row) for row in conn.execute(f"SELECT * FROM {table} ORDER BY id")]
            if exists
            else []
        )
    finally:
        conn.close()


def _take_over(api_keys, orientations) -> None:
    data_dir = context.config.attributes.get("legacy_data_dir")
    if not data_dir:
        return
    keys = _legacy_rows(Path(data_dir) / "api.sqlite3", "api_keys")
    if keys:
        op.bulk_insert(
            api_keys,
            [
                {
                    "name": row["name"],
                    "token_sha256": row["token_sha256"],
                    "token_hint": row["token_hint"],
                    "origins": json.loads(row["origins"]),
                    "rate_limit": row["rate_limit"],
                    "scopes": json.loads(row["scopes"]),
                    "created_at": row["created_at"],
                    "revoked_at": row["revoked_at"],
                }
                for row in keys
            ],
        )
    events = _legacy_rows(Path(data_dir) / "relais.sqlite3", "orientations")
    if events:
        op.bulk_insert(
            orientations,
            [
                {
                    "date": row["date"],
                    "departement": row["departement"],
                    "code_commune": row["code_commune"],
                    "agence": None,
                    "thematiques": json.loads(row["thematiques"]),
                    "ressources": json.loads(row["ressources"]),
                }
                for row in events
            ],
        )


def downgrade() -> None:
    for table in (
        "audit_log",
        "users",
        "territory_communes",
        "territories",
        "organisations",
        "departements",
        "orientations",
        "api_keys",
    ):
        op.drop_table(table)
