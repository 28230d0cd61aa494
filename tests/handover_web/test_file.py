"""The person's file ``/accompagnements/<id>`` and its actions through the Flask client, on
SQLite and on a real PostgreSQL: the 403 and 409 of the status table, forms that keep their
values, whole journeys (axe 2 with four roles, redirect, refusals, re-orientation, renewal,
end, withdrawal, expiry)."""

from __future__ import annotations

import re

from handover_support import (
    post,
    proposal,
    propose,
    text_of,
)

from handover.dates import today_in_france
from web.helpers import french_date, french_dates_in

# -- the status table: 403 for the role, 409 for the status ---------------------------------------


def test_an_action_not_for_the_role_is_403_and_one_not_for_the_status_409(
    hand_runtime, people, as_user
):
    record = propose(hand_runtime, people)
    adviser = as_user(people.conseiller)
    refused = post(adviser, f"/accompagnements/{record.id}/prendre_en_charge")
    assert refused.status_code == 403
    assert "n'est pas ouvert au rôle" in text_of(refused)
    coordinator = as_user(people.coordinateur_reims)
    illegal = post(coordinator, f"/accompagnements/{record.id}/entrer", {"entree_le": "2026-01-01"})
    assert illegal.status_code == 409
    assert "n'est pas possible pour une orientation au statut « Transmise »" in text_of(illegal)
    assert f'href="/accompagnements/{record.id}">Revenir au dossier' in text_of(illegal)
    # An action that does not exist is a route that does not exist: 404, nothing recorded.
    unknown = post(coordinator, f"/accompagnements/{record.id}/voler")
    assert unknown.status_code == 404 and "Action inconnue : « voler »." in text_of(unknown)
    assert [e.action for e in hand_runtime.handovers.store.get(record.id).events] == ["proposer"]


def test_a_decision_before_the_diagnostics_is_409(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    client = as_user(people.coordinateur_reims)
    post(client, f"/accompagnements/{record.id}/prendre_en_charge")
    page = post(
        client, f"/accompagnements/{record.id}/accepter", {"entree_prevue_le": "2030-01-01"}
    )
    assert page.status_code == 409
    assert "une fois les deux diagnostics enregistrés" in text_of(page)


def test_a_bad_action_field_keeps_the_values_beside_the_form(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    client = as_user(people.coordinateur_reims)
    post(client, f"/accompagnements/{record.id}/prendre_en_charge")
    today = today_in_france().isoformat()
    page = post(
        client,
        f"/accompagnements/{record.id}/diagnostic_cd",
        {"date": today, "tripartite": "oui", "synthese": ""},
    )
    html = text_of(page)
    assert page.status_code == 400
    assert "Rien n'a été enregistré" in html
    beside = re.search(r'id="diagnostic_cd-synthese-messages"[^>]*>(.*?)</div>', html, re.S)
    assert "Synthèse : obligatoire." in beside.group(1)
    assert re.search(rf'id="diagnostic_cd-date" name="date" value="{today}"', html)
    assert re.search(r'id="diagnostic_cd-tripartite-oui" value="oui" checked', html)
    assert hand_runtime.handovers.store.get(record.id).diagnostics == ()


def test_a_saved_diagnostic_comes_back_to_its_author_ready_to_edit(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    path = f"/accompagnements/{record.id}"
    post(as_user(people.coordinateur_reims), f"{path}/prendre_en_charge")
    worker = as_user(people.travailleur_reims)
    assert "Modifier mon diagnostic" not in text_of(worker.get(path))
    today = today_in_france()
    saved = {"date": today.isoformat(), "tripartite": "oui", "synthese": "Côté social : dettes."}
    assert post(worker, f"{path}/diagnostic_cd", saved).status_code == 303
    html = text_of(worker.get(path))
    form = re.search(r'id="action-diagnostic_cd"(.*?)</details>', html, re.S).group(1)
    # The saved half (modality, date, text), then its form pre-filled behind "Modifier".
    shown = re.search(r'id="diagnostic_cd-enregistre">(.*?)</div>', form, re.S).group(1)
    assert (
        f"Entretien à trois du {french_date(today)}" in shown and "Côté social : dettes." in shown
    )
    assert "<summary" in form and "Modifier mon diagnostic" in form
    assert f'id="diagnostic_cd-date" name="date" value="{today.isoformat()}"' in form
    assert re.search(r'id="diagnostic_cd-tripartite-oui" value="oui" checked', form)
    assert re.search(r'id="diagnostic_cd-synthese"[^>]*>Côté social : dettes\.</textarea>', form)
    # Sending it again replaces the half; a bad edit keeps the typed values, open.
    edited = {"date": today.isoformat(), "tripartite": "", "synthese": "Dettes : plan monté."}
    assert post(worker, f"{path}/diagnostic_cd", edited).status_code == 303
    (half,) = hand_runtime.handovers.store.get(record.id).diagnostics
    assert (half.synthese, half.date.isoformat(), half.tripartite) == (
        "Dettes : plan monté.",
        today.isoformat(),
        False,
    )
    bad = post(worker, f"{path}/diagnostic_cd", {"date": today.isoformat(), "synthese": ""})
    assert bad.status_code == 400
    assert re.search(r'<details class="relais-modifier" open>', text_of(bad))
    assert "Synthèse : obligatoire." in text_of(bad)
    assert hand_runtime.handovers.store.get(record.id).diagnostics[0].synthese == (
        "Dettes : plan monté."
    )


# -- whole journeys through the pages --------------------------------------------------------------


def test_an_axe_2_journey_with_four_roles(hand_runtime, people, as_user):
    adviser = as_user(people.conseiller)
    sent = post(adviser, "/accompagnements/nouvelle", proposal())
    path = sent.headers["Location"]
    coordinator = as_user(people.coordinateur_reims)
    post(coordinator, f"{path}/attribuer", {"travailleur_social_id": people.travailleur_reims.id})
    today = today_in_france().isoformat()
    dedicated = as_user(people.conseiller_ag)
    worker = as_user(people.travailleur_reims)
    ft = post(
        dedicated, f"{path}/diagnostic_ft", {"date": today, "synthese": "Côté emploi : prêt."}
    )
    cd = post(worker, f"{path}/diagnostic_cd", {"date": today, "synthese": "Côté social : dettes."})
    assert ft.status_code == cd.status_code == 303
    # Each side reads the other's summary.
    for client in (dedicated, worker):
        html = text_of(client.get(path))
        assert "Côté emploi : prêt." in html and "Côté social : dettes." in html
    assert post(dedicated, f"{path}/accepter", {"entree_prevue_le": today}).status_code == 303
    assert post(worker, f"{path}/entrer", {"entree_le": today}).status_code == 303
    html = text_of(adviser.get(path))
    assert 'id="statut">Entrée en accompagnement<' in html
    history = re.search(r'<table id="historique">(.*?)</table>', html, re.S).group(1)
    for label in (
        "Proposer",
        "Attribuer à un travailleur social",
        "Enregistrer le diagnostic France Travail",
        "Enregistrer le diagnostic du Département",
        "Décider l'entrée",
        "Enregistrer l'entrée",
    ):
        assert label in history
    assert "Agathe Dédiée" in history and "Théo Social" in history
    # The dedicated adviser may now renew or end it.
    dedicated_html = text_of(dedicated.get(path))
    assert 'id="action-renouveler"' in dedicated_html and 'id="action-terminer"' in dedicated_html


def test_a_redirect_leaves_the_inbox_and_keeps_the_date(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    reims = as_user(people.coordinateur_reims)
    moved = post(
        reims,
        f"/accompagnements/{record.id}/rediriger",
        {"territoire_id": people.chalons.id, "motif": "Domicile à Châlons"},
    )
    assert moved.status_code == 303 and moved.headers["Location"] == "/accompagnements/"
    after = text_of(reims.get("/accompagnements/"))
    assert f"(dossier {record.reference})" in after  # the flash message says it was done
    assert f'data-reference="{record.reference}"' not in after
    chalons = as_user(people.coordinateur_chalons)
    html = text_of(chalons.get(f"/accompagnements/{record.id}"))
    assert "Redirigée 1 fois" in html and "vers MDS Châlons : Domicile à Châlons" in html
    assert hand_runtime.handovers.store.get(record.id).proposee_le == record.proposee_le


def test_a_refusal_at_reception_is_shown_to_the_adviser(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    coordinator = as_user(people.coordinateur_reims)
    missing = post(coordinator, f"/accompagnements/{record.id}/refuser_reception", {})
    assert (
        missing.status_code == 400
        and "Motifs du refus : choisissez au moins un motif de la liste" in text_of(missing)
    )
    refused = coordinator.post(
        f"/accompagnements/{record.id}/refuser_reception",
        data={
            "csrf_token": coordinator.token,
            "motifs_refus": ["non_eligible", "deja_accompagnee"],
            "refus_communicable": "oui",
        },
    )
    assert refused.status_code == 303
    html = text_of(as_user(people.conseiller).get(f"/accompagnements/{record.id}"))
    assert 'id="statut">Refusée<' in html
    assert "Ne relève pas de cet accompagnement ; Déjà accompagnée par ailleurs" in html
    assert "(communicables à la personne)" in html
    assert 'id="action-annuler"' not in html  # closed: nothing left to do


def test_withdrawn_consent_purges_the_texts(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    adviser = as_user(people.conseiller)
    done = post(
        adviser,
        f"/accompagnements/{record.id}/annuler",
        {"motif_annulation": "retrait_consentement"},
    )
    assert done.status_code == 303
    html = text_of(adviser.get(f"/accompagnements/{record.id}"))
    assert "Loyers impayés" not in html and "Textes libres effacés le" in html
    assert "Retiré le" in html


def test_reorientation_decided_refusal_renewal_and_end_through_the_pages(
    hand_runtime, people, as_user
):
    today = today_in_france().isoformat()
    worker = as_user(people.travailleur_reims)
    # Re-oriented from axe 2 to axe 3, then refused after the social worker's diagnostic.
    first = propose(hand_runtime, people)
    path = f"/accompagnements/{first.id}"
    assert post(worker, f"{path}/prendre_en_charge").status_code == 303
    missing = post(worker, f"{path}/reorienter", {"motif": ""})
    assert missing.status_code == 400 and "Motif de la réorientation : obligatoire." in text_of(
        missing
    )
    assert post(worker, f"{path}/reorienter", {"motif": "Dettes d'abord"}).status_code == 303
    html = text_of(worker.get(path))
    assert "Accompagnement social exclusif (axe 3)" in html
    assert 'id="diagnostic-france_travail"' not in html  # axe 3: the social worker's alone
    post(worker, f"{path}/diagnostic_cd", {"date": today, "synthese": "Situation à stabiliser."})
    refused = worker.post(
        f"{path}/refuser",
        data={"csrf_token": worker.token, "motifs_refus": ["capacite"], "commentaire": "Liste"},
    )
    assert refused.status_code == 303
    html = text_of(as_user(people.conseiller).get(path))
    assert 'id="statut">Refusée<' in html and "(non communicables à la personne)" in html

    # Entered, renewed once, then ended.
    second = propose(hand_runtime, people, identifiant_ft="8888888G")
    path = f"/accompagnements/{second.id}"
    dedicated = as_user(people.conseiller_ag)
    post(worker, f"{path}/prendre_en_charge")
    post(worker, f"{path}/diagnostic_cd", {"date": today, "synthese": "CD."})
    post(dedicated, f"{path}/diagnostic_ft", {"date": today, "synthese": "FT."})
    post(worker, f"{path}/accepter", {"entree_prevue_le": today})
    post(worker, f"{path}/entrer", {"entree_le": today})
    assert post(dedicated, f"{path}/renouveler").status_code == 303
    again = post(dedicated, f"{path}/renouveler")
    assert again.status_code == 409  # once only: « Renouvelée » has no renewal
    no_reason = post(dedicated, f"{path}/terminer", {"terminee_le": today})
    assert no_reason.status_code == 400 and "Motif de fin" in text_of(no_reason)
    ended = post(dedicated, f"{path}/terminer", {"terminee_le": today, "motif_fin": "emploi"})
    assert ended.status_code == 303
    html = text_of(dedicated.get(path))
    assert 'id="statut">Terminée<' in html and "(Emploi)" in html
    assert "Renouvelée le" in html
    assert 'id="titre-actions"' not in html  # nothing left to do


def test_an_expired_file_says_who_closed_it(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    hand_runtime.handovers.act(None, record.id, "expirer")  # what `relais taches` does
    html = text_of(as_user(people.coordinateur_reims).get(f"/accompagnements/{record.id}"))
    assert 'id="statut">Expirée<' in html
    history = re.search(r'<table id="historique">(.*?)</table>', html, re.S).group(1)
    assert "Relais (tâche programmée)" in history
    assert "sans décision dans le délai du département" in history
    assert 'id="titre-actions"' not in html


def test_dates_in_the_history_reasons_read_in_french(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    path = f"/accompagnements/{record.id}"
    post(as_user(people.coordinateur_reims), f"{path}/prendre_en_charge")
    worker = as_user(people.travailleur_reims)
    today = today_in_france()
    post(worker, f"{path}/diagnostic_cd", {"date": today.isoformat(), "synthese": "CD."})
    history = re.search(r'<table id="historique">(.*?)</table>', text_of(worker.get(path)), re.S)
    assert f"<td>entretien séparé du {french_date(today)}</td>" in history.group(1)
    assert today.isoformat() not in history.group(1)
    # The stored reason keeps its ISO date: the page formats it when it shows it.
    stored = hand_runtime.handovers.store.get(record.id).events[-1].reason
    assert stored == f"entretien séparé du {today.isoformat()}"


def test_only_whole_iso_dates_are_rewritten():
    assert french_dates_in("purgés le 2026-11-30, dossier 2026-51-000001, 2026-02-30") == (
        "purgés le 30 novembre 2026, dossier 2026-51-000001, 2026-02-30"
    )
    assert french_dates_in(None) == ""
