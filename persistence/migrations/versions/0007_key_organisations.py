"""API keys bound to an organisation (issue 10, "keys bound to an organisation and scoped like
the people of that organisation"): the role the key acts with, and its department, agence or
territory. All empty for the keys of before.

Revision ID: 0007
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = (
    ("role", sa.String(30)),
    ("departement", sa.String(3)),
    ("agence", sa.String(20)),
    ("territoire_id", sa.Integer),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("api_keys", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
