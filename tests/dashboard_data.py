"""A known set of hand-overs for the délais dashboard, and its figures computed by hand.

TODAY is 30 November 2026: mature cohorts are proposals before 1 October 2026 (60 days).
Department 51 has two territories (Reims, Châlons), department 52 one (Chaumont). Live
records carry dates; two anonymous ``handover_stats`` rows carry durations in days; one
anonymised live record stands for the first of them and must not be counted twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert

from handover.models import (
    SIDE_CD,
    SIDE_FT,
    Consent,
    Diagnostic,
    Event,
    HandOver,
    Person,
    StatRow,
)
from persistence.handovers import SqlHandOverStore
from persistence.tables import territories
from relais import settings as settings_module
from relais.runtime import Runtime

TODAY = date(2026, 11, 30)


def add_territories(database) -> dict[str, int]:
    ids = {}
    with database.engine.begin() as conn:
        for key, departement, nom in (
            ("reims", "51", "MDS Reims"),
            ("chalons", "51", "MDS Châlons"),
            ("chaumont", "52", "CMS Chaumont"),
        ):
            ids[key] = conn.execute(
                insert(territories).values(
                    departement=departement, nom=nom, kind="mds", courriel=f"{key}@cd.example.fr"
                )
            ).inserted_primary_key[0]
    return ids


def _day(start: date, offset: int | None) -> date | None:
    return None if offset is None else start + timedelta(days=offset)


def handover(
    number: int,
    departement: str,
    territoire_id: int | None,
    axe: int,
    status: str,
    proposee_le: date,
    claim: int | None = None,
    ft: int | None = None,
    cd: int | None = None,
    decision: int | None = None,
    entry: int | None = None,
    motifs: tuple[str, ...] = (),
    redirections: int = 0,
    agence: str = "AG51",
    anonymised: bool = False,
) -> HandOver:
    """A record ``number`` proposed on ``proposee_le``; the other steps are days after it."""
    diagnostics = tuple(
        Diagnostic(side, None, "Agent", _day(proposee_le, offset), False, "Synthèse.", "")
        for side, offset in ((SIDE_FT, ft), (SIDE_CD, cd))
        if offset is not None
    )
    person = (
        None if anonymised else Person(f"{number:07d}A", "Nom", "Prénom", date(1980, 1, 1), "51454")
    )
    return HandOver(
        id=None,
        reference="",
        axe=axe,
        status=status,
        person=person,
        personne_cle=f"cle-{number}",
        freins=("logement-hebergement",),
        appreciations=(),
        appreciation_texte="",
        modalite="entretiens_separes",
        consent=Consent(("transmission",), proposee_le, None, "oral"),
        departement=departement,
        territoire_id=territoire_id,
        agence=agence,
        proposee_par=None,
        proposee_le=proposee_le,
        prise_en_charge_le=_day(proposee_le, claim),
        diagnostics=diagnostics,
        decidee_le=_day(proposee_le, decision),
        motifs_refus=motifs,
        entree_le=_day(proposee_le, entry),
        redirections=redirections,
        derniere_activite="2026-11-30T00:00:00Z",
        anonymisee_le=date(2026, 6, 1) if anonymised else None,
    )


def load(database) -> dict[str, int]:
    """Write the known set; return the territory ids."""
    t = add_territories(database)
    store = SqlHandOverStore(database)
    records = [
        # 1–6: live, department 51
        handover(1, "51", t["reims"], 2, "entree", date(2026, 6, 1), 3, 10, 12, 15, 20),
        handover(2, "51", t["reims"], 2, "terminee", date(2026, 6, 10), 5, 14, 20, 25, 30),
        handover(
            3,
            "51",
            t["reims"],
            2,
            "refusee",
            date(2026, 7, 1),
            7,
            None,
            None,
            10,
            motifs=("non_joignable", "absente"),
            redirections=1,
        ),
        handover(4, "51", t["chalons"], 3, "expiree", date(2026, 7, 15), agence="AG51B"),
        handover(5, "51", t["reims"], 2, "transmise", date(2026, 11, 1)),  # too young
        handover(6, "51", t["chalons"], 3, "entree", date(2026, 8, 1), 2, None, 8, 9, 40),
        # 9: anonymised: its statistics row (the first below) stands for it
        handover(
            9,
            "51",
            t["reims"],
            2,
            "terminee",
            date(2024, 5, 10),
            4,
            11,
            13,
            16,
            22,
            anonymised=True,
        ),
        # 10: department 52
        handover(
            10, "52", t["chaumont"], 2, "entree", date(2026, 5, 4), 1, 2, 3, 4, 5, agence="AG52"
        ),
    ]
    event = Event("2026-11-30T00:00:00Z", "proposer", None, "transmise", None, "test")
    for record in records:
        store.add(record, event)
    store.add_stat(
        StatRow("2024-05", "51", t["reims"], "AG51", 2, "terminee", (), 0, 4, 11, 13, 16, 22)
    )
    store.add_stat(
        StatRow(
            "2024-05",
            "51",
            t["chalons"],
            "AG51",
            2,
            "refusee",
            ("non_joignable",),
            2,
            6,
            None,
            None,
            30,
            None,
        )
    )
    return t


# Department 51's mature cohorts: records 1, 2, 3, 4, 6 and the two statistics rows (7 in
# all; record 5 is too young). Durations in days from the proposal, sorted:
#   claim     2 3 4 5 6 7       (6, 1, 3, 7 [stat 4], 2, [stat 6])
#   FT diag   10 11 14          (1, [stat], 2)
#   CD diag   8 12 13 20        (6, 1, [stat], 2)
#   decision  9 10 15 16 25 30  (6, 3, 1, [stat], 2, [stat])
#   entry     20 22 30 40       (1, [stat], 2, 6)
# Percentiles by linear interpolation at rank (n - 1) × p / 100.
EXPECTED_51 = {
    "propositions": 7,
    "recentes": 1,
    "delais": {
        "jours_prise_en_charge": (6, 4.5, 5.75, 6.5),
        "jours_diagnostic_ft": (3, 11.0, 12.5, 13.4),
        "jours_diagnostic_cd": (4, 12.5, 14.75, 17.9),
        "jours_decision": (6, 15.5, 22.75, 27.5),
        "jours_entree": (4, 26.0, 32.5, 37.0),
    },
    "entrees": 4,
    "refus": 2,
    "expirations": 1,
    "redirigees": 2,
    "motifs_refus": {"non_joignable": 2, "absente": 1},
}


def dashboard_runtime(database, directory, data_dir) -> Runtime:
    """A runtime on ``database`` (the parametrised store: SQLite, then PostgreSQL) whose
    departments 51 and 52 share the base, the embedded engine, files under ``data_dir``."""
    rt = Runtime(
        settings_module.load(
            {"DATA_DIR": str(data_dir), "SEARCH_ENGINE": "embedded", "COOKIE_SECURE": False}
        )
    )
    rt.directory = directory
    rt.database = database
    for code in ("51", "52"):
        rt.accounts.set_departement(None, code, True)
    return rt
