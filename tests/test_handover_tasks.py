"""``relais taches`` and the hand-over's e-mails (issue 10, "Time, reminders, notifications"
and "Personal data"), on SQLite and PostgreSQL (``database``), against a real SMTP server on
loopback (``smtp``): each reminder at its day and never twice, escalation, expiry with the
clock moved forward, entry and end reminders, purge and anonymisation (the statistics row
first), and no personal data in any message."""

from __future__ import annotations

import socket
from datetime import date, datetime, timedelta

import pytest
from handover_world import MAILBOX, PERSONAL, PUBLIC_URL, TERRITORY, World
from sqlalchemy import select, text

from accounts.models import Territory
from handover.dates import add_months, today_in_france
from handover.models import HandOverConflict
from notifications.outbox import MAX_ATTEMPTS
from persistence import Database
from persistence.tables import (
    audit_log,
    handover_diagnostics,
    handover_stats,
    handovers,
    mail_outbox,
)

START = today_in_france()


@pytest.fixture
def world(database, smtp):
    return World(database, smtp, START)


def day(n: int) -> date:
    return START + timedelta(days=n)


def recipients(message) -> set[str]:
    return {a.strip() for a in message["X-Envelope-To"].split(",")}


def assert_no_personal_data(world: World) -> None:
    texts = world.smtp.texts()
    assert texts, "no e-mail was sent at all"
    for message in texts:
        for value in PERSONAL:
            assert value.lower() not in message.lower(), (value, message)


def test_a_new_proposal_tells_the_territory_mailbox_and_its_coordinator(world):
    record = world.propose()
    (message,) = world.sent()
    assert recipients(message) == {MAILBOX, "coord@cd51.example.fr"}
    assert record.reference in message["Subject"]
    body = message.get_content()
    assert f"Dossier : {record.reference}" in body
    assert "Accompagnement global (axe 2)" in body
    assert f"Territoire : {TERRITORY}" in body
    assert "Statut : Transmise" in body
    assert f"{PUBLIC_URL}/accompagnements/{record.id}" in body
    assert "connexion requise" in body
    assert_no_personal_data(world)


def test_unclaimed_reminders_at_their_days_escalation_then_expiry(world):
    record = world.propose()
    world.smtp.clear()
    assert world.run(day(4)).relances == 0
    assert world.sent() == []

    report = world.run(day(5))  # N = 5
    assert report.relances == 1 and report.escalades == 0
    (reminder,) = world.sent()
    assert recipients(reminder) == {MAILBOX, "coord@cd51.example.fr"}
    assert "Relance" in reminder["Subject"]
    assert world.run(day(5)).relances == 0  # the same day again: nothing new
    assert world.run(day(11)).relances == 0
    assert len(world.sent()) == 1

    assert world.run(day(12)).relances == 1  # then every M = 7 days
    report = world.run(day(15))  # K = 15: the department admins
    assert (report.relances, report.escalades) == (0, 1)
    escalation = world.sent()[-1]
    assert recipients(escalation) == {"admin@cd51.example.fr"}
    assert "Escalade" in escalation["Subject"]
    assert world.run(day(16)).escalades == 0  # once
    assert world.run(day(19)).relances == 1
    assert len(world.sent()) == 4

    assert world.run(day(44)).expirees == 0
    report = world.run(day(45))  # E = 45 days without a decision
    assert report.expirees == 1 and report.relances == 0
    expired = world.service.store.get(record.id)
    assert expired.status == "expiree"
    assert expired.cloturee_le == day(45)
    last = expired.events[-1]
    assert (last.action, last.from_status, last.to_status) == ("expirer", "transmise", "expiree")
    # A moved clock stamps its events on its day (in Paris), not on the real one (issue 10).
    assert today_in_france(datetime.fromisoformat(last.at)) == day(45)
    assert expired.derniere_activite == last.at
    assert today_in_france(datetime.fromisoformat(expired.events[0].at)) == START
    assert last.actor_id is None and "tâche programmée" in last.actor_label
    notice = world.sent()[-1]
    assert recipients(notice) == {"conseiller@ft51.example.fr"}
    assert "expiré" in notice.get_content()
    assert world.run(day(46)).expirees == 0
    assert_no_personal_data(world)


def test_a_department_sets_its_own_timers(world):
    world.service.store.save_delais(
        world.service.store.get_delais("51").__class__(
            "51",
            relance_jours=2,
            relance_intervalle_jours=3,
            escalade_jours=4,
            expiration_jours=6,
            purge_textes_mois=1,
        )
    )
    record = world.propose()
    assert world.run(day(1)).relances == 0
    assert world.run(day(2)).relances == 1
    assert world.run(day(4)).escalades == 1
    assert world.run(day(5)).relances == 1
    assert world.run(day(6)).expirees == 1
    assert world.service.store.get(record.id).status == "expiree"
    purge = add_months(day(6), 1)
    assert world.run(purge - timedelta(days=1)).textes_purges == 0
    assert world.run(purge).textes_purges == 1  # 1 month in the Marne, not 3


def test_claimed_proposals_get_no_reminder_but_still_expire(world):
    record = world.propose()
    world.act("coordinateur", record, "prendre_en_charge")
    world.smtp.clear()
    for n in (5, 15, 30):
        report = world.run(day(n))
        assert (report.relances, report.escalades, report.expirees) == (0, 0, 0)
    assert world.sent() == []
    assert world.run(day(45)).expirees == 1


def test_assignment_and_decisions_reach_the_right_people(world):
    record = world.propose()
    world.smtp.clear()
    world.act(
        "coordinateur",
        record,
        "attribuer",
        travailleur_social_id=str(world.people["travailleur_social"].id),
    )
    assert recipients(world.sent()[-1]) == {"ts@cd51.example.fr"}
    world.act("conseiller_ag", record, "diagnostic_ft", date=START.isoformat(), synthese="x")
    world.act("travailleur_social", record, "diagnostic_cd", date=START.isoformat(), synthese="y")
    world.act(
        "travailleur_social",
        record,
        "refuser",
        motifs_refus=["capacite"],
        refus_communicable="oui",
        commentaire="Synthèse confidentielle",
    )
    refusal = world.sent()[-1]
    assert recipients(refusal) == {"conseiller@ft51.example.fr"}
    body = refusal.get_content()
    assert "Pas de place dans l'accompagnement pour l'instant" in body
    assert "Statut : Refusée" in body

    other = world.propose(axe=3, identifiant_ft="1111111A")
    world.act("coordinateur", other, "refuser_reception", motifs_refus=["non_eligible"])
    body = world.sent()[-1].get_content()
    assert "non communicable" in body and "Ne relève pas" not in body
    assert_no_personal_data(world)


def test_entry_reminder_and_end_reminders_after_acceptance_and_renewal(world):
    record = world.accept()
    world.smtp.clear()
    assert world.run(day(14)).entrees_manquantes == 0
    assert world.run(day(15)).entrees_manquantes == 1
    assert recipients(world.sent()[-1]) == {"ts@cd51.example.fr", "dedie@ft51.example.fr"}
    assert world.run(day(16)).entrees_manquantes == 0

    world.today = day(20)
    record = world.act("travailleur_social", record, "entrer", entree_le=day(20).isoformat())
    end = record.fin_prevue_le
    assert end == add_months(day(20), 12)
    assert world.run(end - timedelta(days=31)).fins_proches == 0
    assert world.run(end - timedelta(days=30)).fins_proches == 1
    assert "fin d'accompagnement" in world.sent()[-1]["Subject"]
    assert world.run(end - timedelta(days=29)).fins_proches == 0

    record = world.act("travailleur_social", record, "renouveler")
    assert record.fin_prevue_le == add_months(end, 6)
    assert world.run(record.fin_prevue_le - timedelta(days=31)).fins_proches == 0
    assert world.run(record.fin_prevue_le - timedelta(days=30)).fins_proches == 1
    assert_no_personal_data(world)


def test_free_texts_purged_three_months_after_closure(world, database):
    record = world.propose(axe=3)
    record = world.act("coordinateur", record, "prendre_en_charge")
    world.accounts.store.replace_territories(
        "51",
        [world.territory, Territory(None, "51", "MDS Sud")],
        {"51454": world.territory.nom, "51108": "MDS Sud"},
    )
    south = next(t for t in world.accounts.store.list_territories("51") if t.nom == "MDS Sud")
    secret = "Synthèse confidentielle"
    record = world.act(
        "coordinateur", record, "rediriger", territoire_id=str(south.id), motif=secret
    )
    record = world.act("admin", record, "prendre_en_charge")
    record = world.act("admin", record, "diagnostic_cd", date=START.isoformat(), synthese=secret)
    world.today = day(2)
    world.act("admin", record, "refuser", motifs_refus=["capacite"], commentaire=secret)
    closed = add_months(day(2), 3)
    assert world.run(closed - timedelta(days=1)).textes_purges == 0
    assert world.service.store.get(record.id).appreciation_texte
    report = world.run(closed)
    assert report.textes_purges == 1 and report.anonymisees == 0
    purged = world.service.store.get(record.id)
    assert purged.appreciation_texte == "" and purged.textes_purges_le == closed
    assert all(d.synthese == "" for d in purged.diagnostics) and purged.diagnostics
    assert purged.person is not None  # the identity stays until its own delay
    reasons = {e.action: e.reason for e in purged.events}
    assert reasons["rediriger"] == "vers MDS Sud"
    assert reasons["refuser"] == "capacite"
    assert not any("confidentielle" in e.reason for e in purged.events)
    assert world.run(closed).textes_purges == 0
    with database.engine.connect() as conn:
        entries = conn.execute(
            select(audit_log).where(audit_log.c.action == "orientation_purge_textes")
        ).all()
    assert [(e.record, e.actor_email, e.actor_id) for e in entries] == [
        (f"orientation:{record.id}", "relais-taches", None)
    ]


def test_anonymisation_writes_the_statistics_row_and_keeps_the_axe_2_rule(world, database):
    record = world.accept(axe=2)
    world.today = day(10)
    record = world.act("travailleur_social", record, "entrer", entree_le=day(10).isoformat())
    world.today = day(100)
    record = world.act(
        "travailleur_social",
        record,
        "terminer",
        terminee_le=day(100).isoformat(),
        motif_fin="emploi",
    )
    due = add_months(day(100), 24)
    assert world.run(due - timedelta(days=1)).anonymisees == 0
    report = world.run(due)
    assert (report.anonymisees, report.statistiques) == (1, 1)
    gone = world.service.store.get(record.id)
    assert gone.person is None and gone.anonymisee_le == due
    assert gone.personne_cle == record.personne_cle
    assert gone.appreciation_texte == ""
    with database.engine.connect() as conn:
        row = conn.execute(select(handovers).where(handovers.c.id == record.id)).one()
        stats = conn.execute(select(handover_stats)).all()
        syntheses = conn.execute(select(handover_diagnostics.c.synthese)).scalars().all()
        audit = (
            conn.execute(
                select(audit_log.c.record).where(audit_log.c.action == "orientation_anonymisation")
            )
            .scalars()
            .all()
        )
    for column in ("identifiant_ft", "nom", "prenom", "date_naissance", "telephone", "courriel"):
        assert getattr(row, column) is None, column
    assert syntheses and set(syntheses) == {""}
    (stat,) = stats
    assert stat.mois == START.strftime("%Y-%m") and stat.departement == "51"
    assert (stat.axe, stat.status, stat.territoire_id, stat.agence) == (
        2,
        "terminee",
        world.territory.id,
        "AG51",
    )
    assert (stat.jours_diagnostic_ft, stat.jours_diagnostic_cd, stat.jours_decision) == (0, 0, 0)
    assert (stat.jours_prise_en_charge, stat.jours_entree) == (0, 10)
    assert audit == [f"orientation:{record.id}"]
    assert world.run(due).anonymisees == 0  # idempotent: one statistics row only
    with database.engine.connect() as conn:
        assert len(conn.execute(select(handover_stats)).all()) == 1

    with pytest.raises(HandOverConflict, match="déjà entrée en accompagnement global"):
        world.propose(axe=2)


def test_identity_anonymised_after_24_months_without_activity(world, database):
    record = world.accept(axe=3)
    world.today = day(1)
    world.act("travailleur_social", record, "entrer", entree_le=day(1).isoformat())
    # Still open (entered), silent since its entry: anonymised 24 months later.
    due = add_months(day(1), 24)
    assert world.run(due - timedelta(days=1)).anonymisees == 0
    report = world.run(due)
    assert report.anonymisees == 1
    gone = world.service.store.get(record.id)
    assert gone.person is None and gone.status == "entree"


def test_a_failed_send_never_breaks_the_action_and_the_outbox_sends_it_later(world):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    world.notifier = world.notifier_on(dead)
    record = world.propose()  # stored although its e-mail failed
    assert world.service.store.get(record.id).status == "transmise"
    assert world.outbox.counts() == {"en_attente": 1, "abandonnes": 0}
    (queued,) = world.outbox.pending()
    assert queued.attempts == 1 and "n'a pas pu être envoyé" in queued.last_error

    report = world.run(day(5))  # the server is still down
    assert (report.courriels_repris, report.envois_en_echec, report.relances) == (0, 1, 1)
    assert "réessayés au prochain passage" in report.summary()
    assert report.courriels_en_attente == 2  # the proposal's and the reminder's
    assert "Courriels en attente d'envoi : 2." in report.summary()
    assert world.sent() == []

    world.notifier = world.notifier_on(world.smtp.port)
    report = world.run(day(5))
    assert (report.courriels_repris, report.envois_en_echec, report.relances) == (2, 0, 0)
    assert report.courriels_en_attente == 0
    subjects = [m["Subject"] for m in world.sent()]
    assert len(subjects) == 2 and "Nouvelle proposition" in subjects[0] and "Relance" in subjects[1]
    assert world.outbox.counts() == {"en_attente": 0, "abandonnes": 0}
    assert world.run(day(5)).courriels_repris == 0
    assert len(world.sent()) == 2
    assert_no_personal_data(world)


def test_the_outbox_gives_up_after_its_attempts_and_never_sends_twice(world, database):
    record = world.propose()
    assert len(world.sent()) == 1
    assert world.outbox.pending() == []
    with database.engine.connect() as conn:
        (sent_id,) = conn.execute(select(mail_outbox.c.id)).scalars().all()
    assert world.outbox.claim(sent_id, 1) is False  # sent: nobody takes it again
    world.smtp.clear()
    # A message that failed MAX_ATTEMPTS times stays, counted, and is not tried again.
    message_id = world.outbox.add(
        "transmise", record.id, world.notifier.message("transmise", record)
    )
    for attempt in range(MAX_ATTEMPTS):
        assert world.outbox.claim(message_id, attempt)
        world.outbox.mark_failed(message_id, "essai")
    assert world.outbox.counts() == {"en_attente": 0, "abandonnes": 1}
    assert world.notifier.flush() == (0, 0)
    assert world.sent() == []


def test_a_department_without_coordinators_is_told_through_its_team(world):
    store = world.service.store
    store.save_delais(store.get_delais("51").__class__("51", avec_coordinateurs=False))
    world.propose()
    (message,) = world.sent()
    # No coordinateur without a territory in 51: the department's admins receive it.
    assert recipients(message) == {"admin@cd51.example.fr"}
    assert "équipe départementale" in message.get_content()


def test_running_twice_the_same_day_sends_nothing_new(world):
    world.propose()
    world.accept(axe=3, identifiant_ft="2222222B")
    world.smtp.clear()
    first = world.run(day(15))
    assert (first.relances, first.escalades, first.entrees_manquantes) == (1, 1, 1)
    count = len(world.sent())
    assert count == 3
    second = world.run(day(15))
    assert second.as_dict() | {"jour": None} == {
        **first.as_dict(),
        "jour": None,
        "relances": 0,
        "escalades": 0,
        "entrees_manquantes": 0,
    }
    assert len(world.sent()) == count


def test_a_failing_step_is_named_in_french_and_the_next_steps_still_run(tmp_path, smtp):
    broken = Database(f"sqlite:///{tmp_path / 'cassee.db'}", tmp_path)
    broken.upgrade()
    world = World(broken, smtp, START)
    world.propose()
    with broken.engine.begin() as conn:  # a real failure: the timers' table is gone
        conn.execute(text("DROP TABLE handover_delais"))
    report = world.run(day(5))
    assert report.erreurs == [
        "Étape « relances et expirations » interrompue (OperationalError).",
        "Étape « purge et anonymisation » interrompue (OperationalError).",
    ]
    assert report.relances == 0
    assert "Erreur : Étape « purge et anonymisation » interrompue" in report.summary()
    broken.dispose()
