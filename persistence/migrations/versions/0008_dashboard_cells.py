"""The délais dashboard's snapshot (issue 10: the dashboard page p95 ≤ 200 ms at 100,000
hand-overs): the cohort cells computed by ``relais taches`` or by the first request, read by
every view (``persistence.dashboard_cells``). And an index for a territory's inbox (issue 10:
inbox page p95 ≤ 50 ms): its counters scanned every hand-over (100 ms at 100,000).

Revision ID: 0008_dashboard_cells
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_dashboard_cells"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover_dashboard_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("calcule_le", sa.String(20), nullable=False),
        sa.Column("jour", sa.Date, nullable=False),
        sa.Column("dossiers", sa.Integer, nullable=False),
        sa.Column("cellules", sa.Integer, nullable=False),
        sa.Column("donnees", sa.LargeBinary, nullable=False),
    )
    op.create_index("handovers_territoire", "handovers", ["territoire_id", "status"])


def downgrade() -> None:
    op.drop_index("handovers_territoire", table_name="handovers")
    op.drop_table("handover_dashboard_snapshots")
