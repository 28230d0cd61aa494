"""The délais dashboard's figures (``handover.dashboard``) on live records UNION anonymous
statistics rows (``persistence.handover_stats``), on SQLite and PostgreSQL; the mature-cohort
rule; who may see what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from dashboard_data import EXPECTED_51, TODAY, handover, load

from accounts.models import User
from accounts.scoping import AccessDenied
from handover import dashboard
from handover.access import Scope
from handover.dashboard import DashboardService, Filters, read_filters, scope_for
from handover.models import HandOverError, StatRow
from persistence.handover_stats import SqlHandOverStats
from persistence.handovers import SqlHandOverStore


def user(role: str, departement: str | None = "51", territoire_id: int | None = None) -> User:
    return User(
        id=7,
        email="x@example.fr",
        nom="X",
        role=role,
        departement=departement,
        agence="AG51" if role.startswith("conseiller") else None,
        territoire_id=territoire_id,
    )


def _rounded(*values):
    return tuple(None if v is None else round(v, 6) for v in values)


def as_dict(figures: dashboard.Figures) -> dict:
    return {
        "propositions": figures.propositions,
        "recentes": figures.recentes,
        "delais": {k: (d.n, *_rounded(d.p50, d.p75, d.p90)) for k, d in figures.delais.items()},
        "entrees": figures.entrees,
        "refus": figures.refus,
        "expirations": figures.expirations,
        "redirigees": figures.redirigees,
        "motifs_refus": figures.motifs_refus,
    }


@pytest.fixture
def service(database):
    return DashboardService(SqlHandOverStats(database), today=lambda: TODAY)


def test_figures_equal_those_computed_by_hand(database, service):
    ids = load(database)
    board = service.show(user("admin_departemental"), Filters(par="territoire"))
    assert as_dict(board.total) == EXPECTED_51
    assert board.total.taux_entree == pytest.approx(4 / 7)
    assert board.total.taux_refus == pytest.approx(2 / 7)
    assert board.total.taux_expiration == pytest.approx(1 / 7)
    assert board.total.taux_redirection == pytest.approx(2 / 7)
    assert board.total.entree_dans_reference is True  # median 26 days within 17–32
    by_key = {g.key: g for g in board.groups}
    assert set(by_key) == {str(ids["reims"]), str(ids["chalons"])}
    reims = by_key[str(ids["reims"])]
    assert reims.label == "MDS Reims (51)"
    # Reims: records 1, 2, 3 and the statistics row of record 9; record 5 is too young.
    assert (reims.figures.propositions, reims.figures.recentes) == (4, 1)
    entree = reims.figures.delais["jours_entree"]
    assert (entree.n, entree.p50, entree.p75, entree.p90) == pytest.approx((3, 22, 26, 28.4))
    chalons = by_key[str(ids["chalons"])].figures
    assert (chalons.propositions, chalons.entrees, chalons.expirations) == (3, 1, 1)
    assert chalons.motifs_refus == {"non_joignable": 1}


def test_groupings_by_month_axe_agence_and_department(database, service):
    load(database)
    national = user("admin_national", departement=None)
    by_month = service.show(user("admin_departemental"), Filters(par="mois")).groups
    assert [(g.key, g.figures.propositions, g.figures.recentes) for g in by_month] == [
        ("2024-05", 2, 0),
        ("2026-06", 2, 0),
        ("2026-07", 2, 0),
        ("2026-08", 1, 0),
        ("2026-11", 0, 1),
    ]
    assert by_month[0].label == "mai 2024"
    by_axe = service.show(user("admin_departemental"), Filters(par="axe")).groups
    assert [(g.key, g.figures.propositions) for g in by_axe] == [("2", 5), ("3", 2)]
    by_agence = service.show(user("admin_departemental"), Filters(par="agence")).groups
    assert [(g.key, g.figures.propositions) for g in by_agence] == [("AG51", 6), ("AG51B", 1)]
    by_department = service.show(national, Filters(par="departement"))
    assert [(g.key, g.figures.propositions) for g in by_department.groups] == [("51", 7), ("52", 1)]
    assert by_department.total.propositions == 8


def test_filters_narrow_the_rows(database, service):
    ids = load(database)
    admin = user("admin_departemental")
    summer = service.show(admin, Filters(du="2026-07", au="2026-08")).total
    assert (summer.propositions, summer.entrees, summer.refus) == (3, 1, 1)
    old = service.show(admin, Filters(au="2024-12")).total  # the statistics rows only
    assert (old.propositions, old.delais["jours_entree"].n) == (2, 1)
    axe3 = service.show(admin, Filters(axe=3)).total
    assert (axe3.propositions, axe3.expirations) == (2, 1)
    agence = service.show(admin, Filters(agence="AG51B")).total
    assert agence.propositions == 1
    territory = service.show(admin, Filters(territoire_id=ids["chalons"])).total
    assert territory.propositions == 3
    national = user("admin_national", departement=None)
    assert service.show(national, Filters(departement="52")).total.propositions == 1


def test_a_coordinateur_sees_their_territory_only(database, service):
    ids = load(database)
    coordinateur = user("coordinateur", territoire_id=ids["chalons"])
    board = service.show(coordinateur, Filters())
    assert board.total.propositions == 3
    with pytest.raises(AccessDenied, match="territoire"):
        service.show(coordinateur, Filters(territoire_id=ids["reims"]))
    # Without a territory (a department without coordinators): the department.
    assert service.show(user("coordinateur"), Filters()).total.propositions == 7


def test_an_anonymised_record_is_counted_once_through_its_statistics_row(database, service):
    load(database)
    store = SqlHandOverStore(database)
    before = service.show(user("admin_departemental"), Filters()).total.propositions
    # One more anonymised record without its statistics row: it disappears from the figures.
    store.add(
        handover(11, "51", None, 2, "terminee", date(2025, 1, 1), 1, anonymised=True),
        _event(),
    )
    assert service.show(user("admin_departemental"), Filters()).total.propositions == before


def _event():
    from handover.models import Event

    return Event("2026-11-30T00:00:00Z", "proposer", None, "transmise", None, "test")


@dataclass(frozen=True)
class Row:
    mois: str
    proposee_le: date | None


def test_mature_cohort_rule_is_older_than_sixty_days():
    # 60 days before 30 November 2026 is 1 October 2026.
    assert dashboard.is_mature(Row("2026-09", date(2026, 9, 30)), TODAY)
    assert not dashboard.is_mature(Row("2026-10", date(2026, 10, 1)), TODAY)
    # A statistics row knows only its month: mature once the month's last day is.
    assert dashboard.is_mature(Row("2026-09", None), TODAY)
    assert not dashboard.is_mature(Row("2026-10", None), TODAY)
    assert dashboard.month_end("2024-02") == date(2024, 2, 29)
    assert dashboard.month_end("2026-12") == date(2026, 12, 31)


def test_mature_cohort_rule_in_the_store(database, service):
    store = SqlHandOverStore(database)
    for number, day in ((1, date(2026, 9, 30)), (2, date(2026, 10, 1))):
        store.add(handover(number, "51", None, 2, "entree", day, 1, None, 2, 3, 4), _event())
    for mois in ("2026-09", "2026-10"):
        store.add_stat(StatRow(mois, "51", None, None, 3, "expiree", (), 0, *(None,) * 5))
    total = service.show(user("admin_departemental"), Filters()).total
    assert (total.propositions, total.recentes) == (2, 2)
    assert (total.entrees, total.expirations) == (1, 1)


def test_percentiles_interpolate_between_ranks():
    assert dashboard.percentile([10, 20, 30, 40], 50) == 25
    assert dashboard.percentile([10, 20, 30, 40], 90) == pytest.approx(37)
    assert dashboard.percentile([5], 75) == 5
    with pytest.raises(ValueError):
        dashboard.percentile([], 50)


def test_histogram_percentiles_equal_those_of_the_expanded_values():
    histogram = {3: 2, 7: 1, 10: 4, 31: 1}
    values = [3, 3, 7, 10, 10, 10, 10, 31]
    for p in (0, 10, 50, 75, 90, 100):
        assert dashboard.histogram_percentile(histogram, p) == pytest.approx(
            dashboard.percentile(values, p)
        )
    with pytest.raises(ValueError):
        dashboard.histogram_percentile({}, 50)


def test_the_database_counts_what_the_python_rule_counts(database):
    """The store's grouped SQL (``tallies``) against ``tally_rows`` over the same rows, for
    every grouping, on the known set plus a generated history (``bench.handover_data``)."""
    from bench.handover_data import generate

    load(database)
    generate(database, ["51", "52", "08"], 400, seed=3, today=TODAY, first_id=100)
    stats = SqlHandOverStats(database)
    for scope in (Scope(everything=True), Scope(departement="51")):
        for par in dashboard.GROUPINGS:
            filters = Filters(par=par)
            expected = dashboard.tally_rows(stats.rows(scope, filters), par, TODAY)
            assert stats.tallies(scope, filters, TODAY) == expected, (scope, par)


def test_no_mature_row_gives_empty_figures_not_an_error():
    figures = dashboard.figures(dashboard.Tally())
    assert figures.propositions == 0 and figures.taux_entree is None
    assert figures.delais["jours_entree"] == dashboard.Delay(0, None, None, None)
    assert figures.entree_dans_reference is None


@pytest.mark.parametrize(
    "role,departement,filters,message",
    [
        ("conseiller", "51", Filters(), "rôle"),
        ("conseiller_ag", "51", Filters(), "rôle"),
        ("travailleur_social", "51", Filters(), "rôle"),
        ("admin_departemental", "51", Filters(departement="52"), "52"),
        ("coordinateur", "51", Filters(departement="52"), "52"),
        ("admin_departemental", None, Filters(), "département"),
    ],
)
def test_who_may_not_see_the_dashboard(role, departement, filters, message):
    with pytest.raises(AccessDenied, match=message):
        scope_for(user(role, departement), filters)


def test_scopes_of_the_roles_who_may():
    national = scope_for(user("admin_national", None), Filters())
    assert national.everything
    assert scope_for(user("admin_departemental"), Filters()).departement == "51"
    coordinateur = scope_for(user("coordinateur", territoire_id=4), Filters())
    assert (coordinateur.departement, coordinateur.territoire_id) == ("51", 4)
    assert scope_for(user("admin_national", None), Filters(departement="52")).departement == "52"


def test_read_filters_reads_a_query_string_and_refuses_bad_values_in_french():
    filters = read_filters(
        {
            "du": "2026-01",
            "au": "2026-06",
            "departement": "2A",
            "territoire": "3",
            "axe": "2",
            "agence": "AG51",
            "par": "agence",
        }
    )
    assert filters == Filters("2026-01", "2026-06", "2A", 3, "AG51", 2, "agence")
    assert read_filters({"du": "", "axe": ""}, default_par="territoire") == Filters(
        par="territoire"
    )
    for args, field in (
        ({"du": "2026-13"}, "du"),
        ({"au": "hier"}, "au"),
        ({"du": "2026-06", "au": "2026-01"}, "du"),
        ({"departement": "999x"}, "departement"),
        ({"territoire": "abc"}, "territoire"),
        ({"axe": "1"}, "axe"),
        ({"agence": "x" * 21}, "agence"),
        ({"par": "couleur"}, "par"),
    ):
        with pytest.raises(HandOverError) as raised:
            read_filters(args)
        assert raised.value.field == field
