"""Widget configurations in the relational store (implements ``accounts.widgets.WidgetStore``)."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from accounts.widgets import WidgetConfig
from persistence.database import Database
from persistence.tables import widgets


def _config(row) -> WidgetConfig:
    return WidgetConfig(
        id=row.id,
        departement=row.departement,
        name=row.name,
        origins=tuple(row.origins),
        code_commune=row.code_commune,
        thematiques=tuple(row.thematiques),
        intranet_france_travail=bool(row.intranet_france_travail),
        professionnels=bool(row.professionnels),
        titre=row.titre,
        taille=row.taille,
        nonce=row.nonce,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
    )


class SqlWidgetStore:
    def __init__(self, database: Database):
        self.database = database

    def add_widget(self, config: WidgetConfig) -> WidgetConfig:
        with self.database.engine.begin() as conn:
            result = conn.execute(
                insert(widgets).values(
                    departement=config.departement,
                    name=config.name,
                    origins=list(config.origins),
                    code_commune=config.code_commune,
                    thematiques=list(config.thematiques),
                    intranet_france_travail=config.intranet_france_travail,
                    professionnels=config.professionnels,
                    titre=config.titre,
                    taille=config.taille,
                    nonce=config.nonce,
                    created_at=config.created_at,
                    created_by=config.created_by,
                    revoked_at=config.revoked_at,
                )
            )
            row = conn.execute(
                select(widgets).where(widgets.c.id == result.inserted_primary_key[0])
            ).one()
        return _config(row)

    def get_widget(self, widget_id: int) -> WidgetConfig | None:
        with self.database.engine.connect() as conn:
            row = conn.execute(select(widgets).where(widgets.c.id == widget_id)).first()
        return _config(row) if row else None

    def list_widgets(self, departement: str) -> list[WidgetConfig]:
        """The department's configurations, active ones first, newest first."""
        with self.database.engine.connect() as conn:
            rows = conn.execute(
                select(widgets)
                .where(widgets.c.departement == departement)
                .order_by(widgets.c.revoked_at.is_not(None), widgets.c.id.desc())
            )
            return [_config(row) for row in rows]

    def revoke_widget(self, widget_id: int, when: str) -> WidgetConfig | None:
        with self.database.engine.begin() as conn:
            conn.execute(
                update(widgets)
                .where(widgets.c.id == widget_id, widgets.c.revoked_at.is_(None))
                .values(revoked_at=when)
            )
            row = conn.execute(select(widgets).where(widgets.c.id == widget_id)).first()
        return _config(row) if row else None
