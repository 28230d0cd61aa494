"""The délais dashboard read fast (``persistence.dashboard_cells``: a snapshot of cohort cells
merged per view) gives the same tallies as the live computation (``SqlHandOverStats``), on
SQLite and PostgreSQL: on the known set, after a new transition, after ``relais taches``
anonymises records, and on a generated population of every status; when a snapshot is
computed again; what the page says of it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import sign_in
from dashboard_data import TODAY, dashboard_runtime, load
from sqlalchemy import func, select

from accounts.models import User
from bench.handover_data import generate
from handover.access import Scope
from handover.dashboard import GROUPINGS, DashboardService, Filters, Tally, figures
from handover.tasks import run_tasks
from persistence.dashboard_cells import DashboardSnapshots, tally_cells
from persistence.handover_stats import SqlHandOverStats
from persistence.tables import handover_dashboard_snapshots, handovers

NATIONAL = Scope(everything=True)


class Clock:
    """An aware UTC clock the test moves."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def runtime(database, directory, tmp_path):
    return dashboard_runtime(database, directory, tmp_path / "data")


def views(territories: dict[str, int]) -> list[tuple[Scope, Filters]]:
    """Every grouping under national, department and territory scopes, with and without
    filters (months, axe, agence, a department or territory unknown to the data)."""
    scopes = [
        NATIONAL,
        Scope(departement="51"),
        Scope(departement="52"),
        Scope(departement="51", territoire_id=territories["reims"]),
        Scope(everything=True, territoire_id=territories["chalons"]),
        Scope(departement="99"),
        Scope(departement="51", territoire_id=99999),
    ]
    variants = [
        {},
        {"du": "2026-07", "au": "2026-08"},
        {"au": "2024-12"},
        {"du": "2026-06"},
        {"axe": 3},
        {"axe": 2, "agence": "AG51"},
        {"agence": "AG51B"},
        {"agence": "inconnue"},
        {"du": "2030-01"},
    ]
    return [
        (scope, Filters(par=par, **variant))
        for scope in scopes
        for par in GROUPINGS
        for variant in variants
    ]


def assert_same_tallies(snapshots: DashboardSnapshots, day: date, cases) -> int:
    """The snapshot's tallies equal the live ones for every case; returns how many groups
    were compared (so that a vacuous comparison shows)."""
    live = SqlHandOverStats(snapshots.database)
    compared = 0
    for scope, filters in cases:
        expected = live.tallies(scope, filters, day)
        tallies, total = tally_cells(snapshots.current(day).arrays, scope, filters)
        assert tallies == expected, (scope, filters)
        # The page's read: the same figures, without the histograms.
        page_tallies, page_total, _ = snapshots.tallies_as_of(scope, filters, day)
        assert {k: figures(t) for k, t in page_tallies.items()} == {
            k: figures(t) for k, t in tallies.items()
        }, (scope, filters)
        assert figures(page_total) == figures(total), (scope, filters)
        assert all(t.histograms is None for t in page_tallies.values())
        expected_total = Tally()
        for tally in expected.values():
            expected_total.add(tally)
        assert total == expected_total, (scope, filters)
        # The percentiles the snapshot computes for all groups at once are those of
        # ``handover.dashboard.figures`` on the same histograms, to the last bit.
        for tally in (*tallies.values(), total):
            assert tally.delais is not None
            assert figures(tally) == figures(replace(tally, delais=None)), (scope, filters)
        compared += len(expected)
    return compared


def test_snapshot_tallies_equal_the_live_ones_on_the_known_set(runtime):
    territories = load(runtime.database)
    snapshots = DashboardSnapshots(runtime.database)
    snapshot = snapshots.refresh(TODAY)
    assert (snapshot.jour, snapshot.dossiers) == (TODAY, 9)  # 7 live records, 2 statistics rows
    assert assert_same_tallies(snapshots, TODAY, views(territories)) > 150
    # The service on the snapshot gives the figures the known set was computed for by hand.
    service = DashboardService(snapshots, today=lambda: TODAY)
    admin = User(1, "a@example.fr", role="admin_departemental", departement="51")
    board = service.show(admin, Filters(par="territoire"))
    assert (board.total.propositions, board.total.recentes, board.total.entrees) == (7, 1, 4)
    assert board.total.motifs_refus == {"non_joignable": 2, "absente": 1}
    assert board.arretes_le == snapshot.calcule_le


def test_a_new_transition_shows_once_the_snapshot_is_computed_again(runtime):
    territories = load(runtime.database)
    later = date(2027, 1, 15)  # record 5 (proposed on 1 November 2026) is mature by then
    snapshots = DashboardSnapshots(runtime.database)
    snapshots.refresh(later)
    by_department = Filters(par="departement")
    before = snapshots.tallies(NATIONAL, by_department, later)
    with runtime.database.engine.connect() as conn:
        record = conn.execute(
            select(handovers.c.id).where(handovers.c.proposee_le == date(2026, 11, 1))
        ).scalar_one()
    runtime.handovers.act(None, record, "expirer")  # the system's transition, one event
    live = SqlHandOverStats(runtime.database).tallies(NATIONAL, by_department, later)
    assert live["51"].expirations == before["51"].expirations + 1
    # Until computed again, the snapshot says what it said (the page gives its time).
    assert snapshots.tallies(NATIONAL, by_department, later) == before
    snapshots.refresh(later)
    assert snapshots.tallies(NATIONAL, by_department, later) == live
    assert assert_same_tallies(snapshots, later, views(territories)) > 150


def test_relais_taches_anonymises_then_computes_the_snapshot_again(runtime):
    territories = load(runtime.database)
    day = date(2030, 1, 1)
    snapshots = DashboardSnapshots(runtime.database)
    first = snapshots.refresh(day)
    before = snapshots.tallies(NATIONAL, Filters(par="mois"), day)
    report = run_tasks(
        runtime.handovers,
        runtime.handover_tasks,
        runtime.handover_notifier,
        day,
        mail_enabled=False,
        refresh=snapshots.refresh,
    )
    assert report.anonymisees == 6 and report.expirees == 1 and not report.erreurs
    head = snapshots.current(day)
    assert head.id != first.id  # computed again by the run
    with runtime.database.engine.connect() as conn:  # and only the latest one kept
        count = conn.execute(select(func.count()).select_from(handover_dashboard_snapshots))
        assert count.scalar() == 1
    assert assert_same_tallies(snapshots, day, views(territories)) > 150
    after = snapshots.tallies(NATIONAL, Filters(par="mois"), day)
    # Record 5 expired (it counts as an expiry now); otherwise anonymisation changed nothing.
    assert sum(t.expirations for t in after.values()) == (
        sum(t.expirations for t in before.values()) + 1
    )
    assert sum(t.propositions for t in after.values()) == sum(
        t.propositions for t in before.values()
    )


def test_snapshot_tallies_equal_the_live_ones_on_a_generated_population(database, directory):
    codes = sorted(directory.departements)[:12]
    population = generate(database, codes, 1500, seed=11, today=TODAY)
    assert population.anonymised > 0
    snapshots = DashboardSnapshots(database)
    snapshots.refresh(TODAY)
    busiest = population.busiest
    territory = population.territories[busiest][1]
    cases = [
        (scope, Filters(par=par, **variant))
        for scope in (
            NATIONAL,
            Scope(departement=busiest),
            Scope(departement=busiest, territoire_id=territory),
        )
        for par in GROUPINGS
        for variant in ({}, {"du": "2025-01", "au": "2025-12"}, {"axe": 3})
    ]
    assert assert_same_tallies(snapshots, TODAY, cases) > 500


def test_a_snapshot_is_computed_when_missing_of_another_day_or_too_old(database):
    load(database)
    clock = Clock(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    snapshots = DashboardSnapshots(database, now=clock)
    first = snapshots.current(TODAY)  # none yet: the first read computes it
    assert first.id is not None and first.calcule_le == clock.moment
    clock.moment += timedelta(minutes=14)
    assert snapshots.current(TODAY).id == first.id
    # Another process (a second gunicorn worker) reads the stored cells, same figures.
    other = DashboardSnapshots(database, now=clock)
    assert other.current(TODAY).id == first.id
    assert other.tallies(NATIONAL, Filters(), TODAY) == snapshots.tallies(
        NATIONAL, Filters(), TODAY
    )
    next_day = snapshots.current(TODAY + timedelta(days=1))
    assert next_day.id != first.id and next_day.jour == TODAY + timedelta(days=1)
    clock.moment += timedelta(minutes=16)
    assert snapshots.current(next_day.jour).id != next_day.id


def test_the_page_says_when_the_figures_were_computed(runtime):
    from relais.app import create_app

    load(runtime.database)
    clock = Clock(datetime(2026, 11, 30, 22, 5, tzinfo=UTC))  # 23 h 05 in Paris
    runtime.handover_dashboard = DashboardService(
        DashboardSnapshots(runtime.database, now=clock), today=lambda: TODAY
    )
    user = runtime.accounts.create_user(
        None, "admin-51@example.fr", "admin_departemental", "51", None, None, "Admin", None
    )
    client = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime}).test_client()
    sign_in(client, user)
    page = client.get("/accompagnements/tableau-de-bord").get_data(as_text=True)
    stamp = re.search(r'<span id="arretes-le">([^<]+)</span>', page)
    assert stamp is not None
    assert stamp.group(1).startswith("Chiffres arrêtés le 30/11/2026 à 23 h 05")
