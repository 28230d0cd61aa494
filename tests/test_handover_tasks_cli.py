"""``relais taches`` on the command line (French summary, ``--date``, ``--json``) and the
department console's page of timers (``/console/<département>/delais``)."""

from __future__ import annotations

import json
from datetime import timedelta
from html import unescape

from conftest import csrf_token, make_user, sign_in
from handover_world import PERSON, PERSONAL

from accounts.models import Territory
from handover.dates import today_in_france


def _proposal(runtime) -> object:
    accounts = runtime.accounts
    adviser = make_user(runtime)  # conseiller of agence AG51, department 51 shared
    accounts.store.replace_territories(
        "51",
        [Territory(None, "51", "MDS Nord", "MDS", "mds-nord@cd51.example.fr")],
        {"51454": "MDS Nord"},
    )
    return runtime.handovers.propose(
        adviser,
        {
            **PERSON,
            "axe": "3",
            "freins": ["sante"],
            "consentement_portees": ["transmission", "diagnostic"],
            "consentement_methode": "ecrit",
        },
    )


def test_relais_taches_reminds_once_and_says_what_it_did(runtime, runner, smtp):
    runtime.settings.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, PUBLIC_URL="https://relais.example.fr"
    )
    record = _proposal(runtime)
    assert len(smtp.messages) == 1  # the new proposal, through the runtime's notify hook
    day = (today_in_france() + timedelta(days=5)).isoformat()

    result = runner(["taches", "--date", day])
    assert result.exit_code == 0, result.output
    assert "relances de propositions non prises en charge : 1" in result.output
    assert "propositions expirées sans décision : 0" in result.output
    assert len(smtp.messages) == 2
    assert f"https://relais.example.fr/accompagnements/{record.id}" in smtp.texts()[-1]

    again = runner(["taches", "--date", day, "--json"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.output)
    assert report["jour"] == day and report["relances"] == 0 and report["courriel"] is True
    assert len(smtp.messages) == 2
    for text in smtp.texts():
        for value in PERSONAL:
            assert value.lower() not in text.lower(), value

    expired = runner(["taches", "--date", (today_in_france() + timedelta(days=45)).isoformat()])
    assert "propositions expirées sans décision : 1" in expired.output
    assert runtime.handovers.store.get(record.id).status == "expiree"


def test_relais_taches_without_mail_and_with_a_bad_date(runtime, runner):
    _proposal(runtime)
    result = runner(["taches", "--date", (today_in_france() + timedelta(days=5)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "Courriel désactivé" in result.output
    bad = runner(["taches", "--date", "31/02/2026"])
    assert bad.exit_code == 2
    assert "Erreur (--date) : « 31/02/2026 » n'est pas une date (attendu : AAAA-MM-JJ)." in (
        bad.output
    )
    assert "Error" not in bad.output and "Traceback" not in bad.output


def test_the_department_admin_edits_the_timers_in_the_console(app, runtime):
    admin = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    client = app.test_client()
    sign_in(client, admin)
    page = unescape(client.get("/console/51/delais").get_data(as_text=True))
    assert 'name="relance_jours"' in page and 'value="5"' in page and 'value="45"' in page

    token = csrf_token(client)
    form = {
        "csrf_token": token,
        "relance_jours": "3",
        "relance_intervalle_jours": "4",
        "escalade_jours": "10",
        "expiration_jours": "30",
        "purge_textes_mois": "2",
        "anonymisation_mois": "12",
    }
    response = client.post("/console/51/delais", data=form)
    assert response.status_code == 303
    saved = runtime.handovers.store.get_delais("51")
    assert (saved.relance_jours, saved.expiration_jours, saved.anonymisation_mois) == (3, 30, 12)
    assert saved.avec_coordinateurs is False  # the box was left unticked
    journal = unescape(client.get("/console/51/journal").get_data(as_text=True))
    assert "Réglage des délais des orientations" in journal

    refused = client.post("/console/51/delais", data={**form, "expiration_jours": "0"})
    assert refused.status_code == 400
    html = unescape(refused.get_data(as_text=True))
    assert "Expiration sans décision (jours) : un nombre entier de 7 à 365." in html
    assert 'value="0"' in html  # what was typed is kept
    assert runtime.handovers.store.get_delais("51").expiration_jours == 30
