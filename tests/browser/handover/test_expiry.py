"""Time in the hand-over, in a real Chromium on SQLite and on PostgreSQL: a proposal made in
the browser, then ``relais taches --date`` run for real (a ``.venv/bin/relais`` process on the
live server's data and database, as cron runs it) with the clock moved forward: the reminder
at N days (once a day, never twice), the expiry after E days, seen in the adviser's and the
coordinateur's pages, and an expired record no longer acted on (409, in French)."""

from __future__ import annotations

from datetime import timedelta

from handover_support import REIMS
from playwright.sync_api import expect

from handover.dates import today_in_france
from handover.models import Delais
from web.helpers import french_date

from .mail import addressed, assert_no_personal_data, link_in, personal_values
from .test_journeys import consent, fill_person

DEFAULTS = Delais(departement="51")  # N = 5 days, E = 45 days: the 51 keeps the defaults


def test_reminder_then_expiry_with_the_clock_moved_forward(
    session_of, people, mails, relais_taches, hand_server
):
    today = today_in_france()
    adviser = session_of(people.conseiller)
    adviser.goto(f"/accompagnements/nouvelle?code_commune={REIMS}")
    expect(adviser.locator("#destinataire")).to_contain_text("Sera reçue par : MDS Reims")
    courriel = fill_person(adviser, "5555555F", "Lefèvre")
    adviser.locator("label[for=freins-sante]").click()
    consent(adviser)
    adviser.get_by_role("button", name="Transmettre la proposition").click()
    expect(adviser.locator("#statut")).to_have_text("Transmise")
    file_url = adviser.url
    record_id = int(file_url.rsplit("/", 1)[1])

    # The coordinateur has the file open, its "Prendre en charge" still on screen.
    coordinator = session_of(people.coordinateur_reims)
    coordinator.goto(file_url)
    claim = coordinator.locator("#action-prendre_en_charge button")
    expect(claim).to_be_visible()
    (proposed,) = mails()
    assert addressed([proposed])[0][0] == people.coordinateur_reims.email

    # N days later: one reminder to the territory; the same day again: nothing new.
    reminder_day = today + timedelta(days=DEFAULTS.relance_jours)
    output = relais_taches(reminder_day)
    assert "relances de propositions non prises en charge : 1" in output
    assert "propositions expirées sans décision : 0" in output
    again = relais_taches(reminder_day)
    assert "relances de propositions non prises en charge : 0" in again
    received = mails()
    assert addressed(received[1:]) == [
        (people.coordinateur_reims.email, "Relance : proposition non prise en charge")
    ]
    assert link_in(received[1]) == file_url

    # E + 1 days after the proposal, still undecided: expired by the system.
    expiry_day = today + timedelta(days=DEFAULTS.expiration_jours + 1)
    output = relais_taches(expiry_day)
    assert "propositions expirées sans décision : 1" in output
    received = mails()
    assert addressed(received[2:]) == [(people.conseiller.email, "Proposition expirée")]
    assert link_in(received[2]) == file_url
    assert "faute de décision dans le délai du département" in received[2].get_body().get_content()
    assert hand_server.runtime.handovers.store.get(record_id).status == "expiree"
    assert_no_personal_data(received, personal_values("5555555F", "Lefèvre", courriel=courriel))

    # The stale page's button: refused in French (409), no trace, a way back to the file.
    claim.click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Action impossible")
    expect(coordinator.locator("main")).to_contain_text("« Expirée »")
    expect(coordinator.locator("body")).not_to_contain_text("Traceback")
    coordinator.get_by_role("link", name="Revenir au dossier").click()
    expect(coordinator.locator("#statut")).to_have_text("Expirée")
    expect(coordinator.locator("#titre-actions")).to_have_count(0)  # nothing left to do
    last = coordinator.locator("#historique tbody tr").last
    expect(last).to_contain_text("Expirer")
    expect(last).to_contain_text("Expirée")
    # Stamped on the moved day, not the real one (issue 10).
    expect(last.locator("td").first).to_contain_text(f"{french_date(expiry_day)} à ")
    coordinator.goto("/accompagnements/")
    expect(coordinator.locator("#compteurs [data-statut=expiree]")).to_have_text("Expirée : 1")
    expect(coordinator.locator("#compteurs [data-statut=transmise]")).to_have_text("Transmise : 0")

    adviser.goto("/accompagnements/")
    expect(adviser.locator("#compteurs [data-statut=expiree]")).to_have_text("Expirée : 1")
    adviser.locator("tr[data-reference] td a").first.click()
    expect(adviser).to_have_url(file_url)
    expect(adviser.locator("#statut")).to_have_text("Expirée")
    expect(adviser.locator("#historique tbody tr")).to_have_count(2)
    expect(adviser.locator("#historique tbody tr").last).to_contain_text("Expirer")
    expect(adviser.locator("#titre-actions")).to_have_count(0)  # no cancelling an expired one
