"""The hand-over's e-mail outbox (issue 10: a failed send is retried by ``relais taches``).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("handover_id", sa.Integer),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(300), nullable=False),
        sa.Column("sent_at", sa.String(20)),
        sa.Index("mail_outbox_pending", "sent_at", "id"),
    )


def downgrade() -> None:
    op.drop_table("mail_outbox")
