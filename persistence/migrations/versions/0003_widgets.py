"""Widget configurations for intranets (issue 13): allowed origins, presets, revocation.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "widgets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("origins", sa.JSON, nullable=False),
        sa.Column("code_commune", sa.String(5)),
        sa.Column("thematiques", sa.JSON, nullable=False),
        sa.Column("intranet_france_travail", sa.Boolean, nullable=False),
        sa.Column("professionnels", sa.Boolean, nullable=False),
        sa.Column("titre", sa.String(120), nullable=False),
        sa.Column("taille", sa.Integer, nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("revoked_at", sa.String(20)),
    )
    op.create_index("widgets_departement", "widgets", ["departement", "id"])


def downgrade() -> None:
    op.drop_table("widgets")
