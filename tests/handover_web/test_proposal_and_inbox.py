"""The hand-over pages ``/accompagnements/…`` through the Flask client, on SQLite and on a
real PostgreSQL (the ``database`` fixture): the proposal, the inbox, and the 403 outside scope
route by route. The person's file and its actions: ``test_file.py``."""

from __future__ import annotations

import re

from handover_support import (
    CHALONS,
    CHAUMONT,
    REIMS,
    post,
    proposal,
    propose,
    text_of,
)

# -- the proposal -----------------------------------------------------------------------------


def test_proposal_form_is_prefilled_from_the_search(people, as_user):
    page = as_user(people.conseiller).get(
        "/accompagnements/nouvelle?thematiques=logement-hebergement--louer-un-logement"
        f"&thematiques=sante&code_commune={REIMS}"
    )
    html = text_of(page)
    assert page.status_code == 200
    assert re.search(r'id="freins-logement-hebergement" value="logement-hebergement" checked', html)
    assert re.search(r'id="freins-sante" value="sante" checked', html)
    assert not re.search(r'id="freins-mobilite" value="mobilite" checked', html)
    assert 'value="Reims (51100, Marne)"' in html
    assert "Sera reçue par : <strong>MDS Reims, coordination du territoire" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<script>" not in html  # strict CSP: no inline script


def test_checking_the_destination_creates_nothing(hand_runtime, people, as_user):
    client = as_user(people.conseiller)
    form = proposal(code_commune="", commune="Châlons-en-Champagne", etape="verifier")
    page = post(client, "/accompagnements/nouvelle", form)
    html = text_of(page)
    assert page.status_code == 200
    assert "Sera reçue par : <strong>MDS Châlons, coordination du territoire" in html
    assert f'name="code_commune" value="{CHALONS}"' in html
    assert 'value="Martin"' in html  # the rest of the form is kept
    records, _ = hand_runtime.handovers.inbox(people.admin_51)
    assert records == []


def test_a_department_that_does_not_receive_is_said_at_once(people, as_user):
    page = text_of(as_user(people.conseiller).get("/accompagnements/nouvelle?code_commune=48095"))
    destination = re.search(r'id="destinataire"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "Le Conseil départemental (Lozère, 48) ne reçoit pas encore les orientations" in (
        destination
    )


def test_routing_preview_in_json(people, as_user):
    client = as_user(people.conseiller)
    ok = client.get(f"/accompagnements/destinataire?code_commune={CHALONS}")
    assert ok.status_code == 200
    assert ok.get_json() == {
        "destinataire": "MDS Châlons, coordination du territoire (département 51)"
    }
    refused = client.get("/accompagnements/destinataire?code_commune=48095")  # Lozère
    assert refused.status_code == 400
    assert refused.get_json()["erreur"].startswith(
        "Le Conseil départemental (Lozère, 48) ne reçoit pas encore les orientations"
    )


def test_a_bad_field_keeps_every_value_and_says_why_beside_it(hand_runtime, people, as_user):
    client = as_user(people.conseiller)
    form = proposal(identifiant_ft="123", appreciation_texte="Texte gardé")
    page = post(client, "/accompagnements/nouvelle", form)
    html = text_of(page)
    assert page.status_code == 400
    assert re.search(
        r'id="identifiant_ft" name="identifiant_ft" value="123"[^>]*aria-invalid="true"', html
    )
    beside = re.search(r'id="identifiant_ft-messages"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "7 à 11 chiffres ou lettres" in beside
    assert 'value="Martin"' in html and "Texte gardé</textarea>" in html
    assert re.search(
        r'id="freins-difficultes-financieres" value="difficultes-financieres" checked', html
    )
    assert re.search(r'id="consentement_portees-entree" value="entree" checked', html)
    assert hand_runtime.handovers.inbox(people.admin_51)[0] == []


def test_an_empty_proposal_flags_every_field_at_once(hand_runtime, people, as_user):
    client = as_user(people.conseiller)
    page = post(client, "/accompagnements/nouvelle", {"axe": "2", "nom": "Martin"})
    html = text_of(page)
    assert page.status_code == 400
    summary = re.search(r'id="erreurs"[^>]*>(.*?)</div>', html, re.S).group(1)
    links = re.findall(r'<a href="#([a-z_]+)">([^<]+)</a>', summary)
    assert [target for target, _ in links] == [
        "identifiant_ft",
        "prenom",
        "date_naissance",
        "commune",
        "telephone",
        "freins",
        "consentement_portees",
        "consentement_methode",
    ]
    assert ("commune", "Commune de résidence : obligatoire.") in links
    assert ("date_naissance", "Date de naissance : obligatoire.") in links
    for name in ("identifiant_ft", "prenom", "date_naissance", "commune", "telephone"):
        assert re.search(rf'<input [^>]*id="{name}"[^>]*aria-invalid="true"', html), name
    for name in ("freins", "consentement_portees", "consentement_methode"):
        assert re.search(rf'class="fr-fieldset fr-fieldset--error" id="{name}"', html), name
    beside = re.search(r'id="prenom-messages"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "Prénom : obligatoire" in beside
    # What was typed stays; a good field is not flagged.
    assert re.search(r'id="nom" name="nom" value="Martin"', html)
    assert not re.search(r'<input [^>]*id="nom"[^>]*aria-invalid', html)
    assert re.search(r'id="axe-2" value="2" checked', html)
    # With the commune filled, the other fields are still all named.
    form = proposal(identifiant_ft="", prenom="", date_naissance="")
    html = text_of(post(client, "/accompagnements/nouvelle", form))
    summary = re.search(r'id="erreurs"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert re.findall(r'<a href="#([a-z_]+)">', summary) == [
        "identifiant_ft",
        "prenom",
        "date_naissance",
    ]
    assert hand_runtime.handovers.inbox(people.admin_51)[0] == []


def test_too_long_a_text_is_refused_in_french(people, as_user):
    page = post(
        as_user(people.conseiller),
        "/accompagnements/nouvelle",
        proposal(appreciation_texte="x" * 1001),
    )
    assert page.status_code == 400
    assert "1001 caractères, au plus 1000 sont acceptés" in text_of(page)


def test_a_postal_code_of_several_communes_asks_which_one(people, as_user):
    page = post(
        as_user(people.conseiller),
        "/accompagnements/nouvelle",
        proposal(code_commune="", commune="51300"),
    )
    html = text_of(page)
    assert page.status_code == 400
    assert "ce code postal couvre plusieurs communes" in html
    assert 'id="choix-commune"' in html and "Vitry-le-François" in html


def test_a_proposal_is_sent_then_shown_in_the_file(hand_runtime, people, as_user):
    client = as_user(people.conseiller)
    sent = post(client, "/accompagnements/nouvelle", proposal(etape="envoyer"))
    assert sent.status_code == 303
    file_url = sent.headers["Location"]
    assert re.fullmatch(r"/accompagnements/\d+", file_url)
    page = client.get(file_url)
    html = text_of(page)
    assert page.status_code == 200
    assert "transmise : MDS Reims" in html  # the flash message
    assert "MARTIN Léa" in html and "1234567A" in html
    assert "Loyers impayés depuis trois mois." in html
    assert "Logement et hébergement" in html
    assert "version 2026-11" in html
    assert 'id="action-annuler"' in html  # the adviser may cancel
    assert 'id="action-prendre_en_charge"' not in html  # not theirs
    assert page.headers["Cache-Control"] == "private, no-store"
    # The read is in the audit log.
    entries = hand_runtime.accounts.store.list_audit("51")
    assert any(e.action == "orientation_lecture" for e in entries)


def test_a_second_open_proposal_is_a_conflict_naming_the_first(hand_runtime, people, as_user):
    first = propose(hand_runtime, people)
    page = post(as_user(people.conseiller), "/accompagnements/nouvelle", proposal())
    html = text_of(page)
    assert page.status_code == 409
    assert f"dossier {first.reference}" in html and "MDS Reims" in html
    assert 'value="Martin"' in html


def test_only_france_travail_advisers_propose(people, as_user):
    for user in (people.coordinateur_reims, people.travailleur_reims, people.admin_51):
        client = as_user(user)
        assert client.get("/accompagnements/nouvelle").status_code == 403
        assert post(client, "/accompagnements/nouvelle", proposal()).status_code == 403


def test_the_notice_is_printable(people, as_user):
    page = as_user(people.conseiller).get("/accompagnements/notice")
    html = text_of(page)
    assert page.status_code == 200
    assert "Notice d'information, version 2026-11" in html
    assert "retirer votre consentement" in html and "data-relais-print" in html


def test_the_search_and_resource_pages_lead_to_the_proposal(people, as_user):
    client = as_user(people.conseiller)
    search = text_of(client.get(f"/?code_commune={REIMS}&thematiques=sante"))
    link = re.search(
        r'href="(/accompagnements/nouvelle\?[^"]+)">Proposer un accompagnement', search
    )
    assert link.group(1) == (
        f"/accompagnements/nouvelle?thematiques=sante&code_commune={REIMS}"
        f"&retour=/?code_commune%3D{REIMS}%26thematiques%3Dsante"
    )
    form = text_of(client.get(link.group(1)))
    back = f'href="/?code_commune={REIMS}&thematiques=sante">Revenir sans transmettre'
    assert (
        back in form and f'name="retour" value="/?code_commune={REIMS}&thematiques=sante"' in form
    )
    assert 'id="lien-accompagnements"' in search  # the header's entry
    coordinator = text_of(as_user(people.coordinateur_reims).get(f"/?code_commune={REIMS}"))
    assert "proposer-accompagnement" not in coordinator
    assert 'id="lien-accompagnements"' in coordinator


def test_every_page_is_private_and_without_inline_script_or_style(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    client = as_user(people.conseiller)
    for path in (
        "/accompagnements/",
        "/accompagnements/nouvelle",
        "/accompagnements/notice",
        f"/accompagnements/{record.id}",
        f"/accompagnements/destinataire?code_commune={REIMS}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
        page = text_of(response)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path  # strict CSP
        assert " style=" not in page and " onclick=" not in page, path


def test_anonymous_visitors_are_sent_to_the_login(hand_app):
    anonymous = hand_app.test_client()
    for path in ("/accompagnements/", "/accompagnements/nouvelle", "/accompagnements/1"):
        response = anonymous.get(path)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]


# -- the inbox ----------------------------------------------------------------------------------


def test_a_coordinator_inbox_counts_claims_and_assigns(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    propose(hand_runtime, people, identifiant_ft="7654321B", code_commune=CHALONS)
    client = as_user(people.coordinateur_reims)
    html = text_of(client.get("/accompagnements/"))
    assert "Boîte de réception : <strong>MDS Reims</strong>" in html
    assert 'data-statut="transmise">Transmise : 1<' in html  # Châlons' is not counted here
    assert record.reference in html
    assert "Théo Social" in html  # the select of the department's social workers
    assert "Tina Chaumont" not in html  # not of another department
    claimed = post(
        client,
        f"/accompagnements/{record.id}/prendre_en_charge",
        {"retour": "/accompagnements/"},
    )
    assert claimed.status_code == 303 and claimed.headers["Location"] == "/accompagnements/"
    html = text_of(client.get("/accompagnements/?statut=prise_en_charge"))
    assert 'data-statut="prise_en_charge">Prise en charge : 1<' in html
    assert 'aria-current="page" data-statut="prise_en_charge"' in html
    assigned = post(
        client,
        f"/accompagnements/{record.id}/attribuer",
        {"travailleur_social_id": str(people.travailleur_reims.id)},
    )
    assert assigned.status_code == 303
    stored = hand_runtime.handovers.store.get(record.id)
    assert stored.referent_cd_id == people.travailleur_reims.id
    assert [e.action for e in stored.events] == ["proposer", "prendre_en_charge", "attribuer"]


def test_department_admins_choose_a_territory(hand_runtime, people, as_user):
    propose(hand_runtime, people)
    chalons = propose(hand_runtime, people, identifiant_ft="7654321B", code_commune=CHALONS)
    client = as_user(people.admin_51)
    every = text_of(client.get("/accompagnements/"))
    assert 'id="territoire"' in every and "Tous : 2<" in every
    only = text_of(client.get(f"/accompagnements/?territoire={people.chalons.id}"))
    assert "Tous : 1<" in only and chalons.reference in only
    assert "Boîte de réception : <strong>MDS Châlons</strong>" in only


def test_france_travail_advisers_see_their_agence(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    mine = text_of(as_user(people.conseiller_ag).get("/accompagnements/"))
    assert record.reference in mine and "Orientations de l'agence <strong>AG51</strong>" in mine
    other = text_of(as_user(people.conseiller_autre).get("/accompagnements/"))
    assert f'data-reference="{record.reference}"' not in other and "Aucune orientation" in other


def test_the_inbox_pages(hand_runtime, people, as_user):
    for n in range(23):
        propose(hand_runtime, people, identifiant_ft=f"99000{n:02d}X")
    client = as_user(people.coordinateur_reims)
    first = text_of(client.get("/accompagnements/"))
    assert first.count("<tr data-reference=") == 20
    assert "Page suivante" in first and "(page 1 sur 2)" in first
    second = text_of(client.get("/accompagnements/?page=2"))
    assert second.count("<tr data-reference=") == 3
    assert "Page précédente" in second


# -- scope: 403 route by route -------------------------------------------------------------------


def test_a_coordinator_cannot_open_another_territory(hand_runtime, people, as_user):
    chalons = propose(hand_runtime, people, code_commune=CHALONS)
    client = as_user(people.coordinateur_reims)
    inbox = client.get(f"/accompagnements/?territoire={people.chalons.id}")
    assert inbox.status_code == 403
    assert "n'est pas celle de votre territoire" in text_of(inbox)
    assert client.get(f"/accompagnements/{chalons.id}").status_code == 403
    action = post(client, f"/accompagnements/{chalons.id}/prendre_en_charge")
    assert action.status_code == 403
    assert hand_runtime.handovers.store.get(chalons.id).status == "transmise"


def test_another_department_cannot_read_a_file(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    for user in (people.coordinateur_52, people.travailleur_52):
        client = as_user(user)
        assert client.get(f"/accompagnements/{record.id}").status_code == 403
        assert post(client, f"/accompagnements/{record.id}/diagnostic_cd").status_code == 403
        assert client.get(f"/accompagnements/?territoire={people.reims.id}").status_code == 403


def test_a_cd_user_of_51_cannot_read_a_52_file(hand_runtime, people, as_user):
    record = propose(hand_runtime, people, code_commune=CHAUMONT)
    assert record.departement == "52"
    for user in (people.coordinateur_reims, people.travailleur_reims, people.admin_51):
        client = as_user(user)
        assert client.get(f"/accompagnements/{record.id}").status_code == 403
        assert post(client, f"/accompagnements/{record.id}/prendre_en_charge").status_code == 403
    admin = as_user(people.admin_51)
    assert admin.get(f"/accompagnements/?territoire={people.chaumont.id}").status_code == 403
    # Haute-Marne's own coordinator reads it.
    assert as_user(people.coordinateur_52).get(f"/accompagnements/{record.id}").status_code == 200


def test_the_national_admin_sees_every_department(hand_runtime, people, as_user):
    marne = propose(hand_runtime, people)
    haute_marne = propose(hand_runtime, people, identifiant_ft="5555555F", code_commune=CHAUMONT)
    national = hand_runtime.accounts.create_user(
        None, "national@relais.example.fr", "admin_national", None
    )
    client = as_user(national)
    page = text_of(client.get("/accompagnements/"))
    assert "Orientations de tous les départements" in page and "Tous : 2<" in page
    for record in (marne, haute_marne):
        assert f'data-reference="{record.reference}"' in page
        assert client.get(f"/accompagnements/{record.id}").status_code == 200
    # Each row names its own territory, whatever the department (one look-up per department).
    rows = dict(re.findall(r'<tr data-reference="([^"]+)">(.*?)</tr>', page, re.S))
    assert "<td>MDS Reims</td>" in rows[marne.reference]
    assert "<td>CMS Chaumont</td>" in rows[haute_marne.reference]
    assert "Équipe départementale" not in page


def test_an_adviser_of_another_agence_cannot_read_a_file(hand_runtime, people, as_user):
    record = propose(hand_runtime, people)
    client = as_user(people.conseiller_autre)
    page = client.get(f"/accompagnements/{record.id}")
    assert page.status_code == 403 and "pas dans votre périmètre" in text_of(page)
    assert post(client, f"/accompagnements/{record.id}/annuler").status_code == 403


def test_an_unknown_file_is_404(people, as_user):
    client = as_user(people.admin_51)
    assert client.get("/accompagnements/999999").status_code == 404
    assert post(client, "/accompagnements/999999/prendre_en_charge").status_code == 404


def test_a_resource_page_carries_the_search_to_the_proposal(hand_runtime, people, as_user):
    from test_web import resources

    items = resources()[:3]
    hand_runtime.store.replace(
        "departement", "51", items, {"fichiers": ["marne.py"]}, writers=hand_runtime.store_writers()
    )
    hand_runtime.after_store_change()
    client = as_user(people.conseiller)
    page = text_of(
        client.get(
            f"/ressources/{items[0].id}",
            query_string={"retour": f"/?code_commune={REIMS}&thematiques=famille"},
        )
    )
    assert (
        f'href="/accompagnements/nouvelle?thematiques=famille&code_commune={REIMS}&retour=' in page
    )
    # The way back is this resource page with its own (checked) way back, never another site.
    evil = text_of(client.get(f"/ressources/{items[0].id}?retour=https://evil.example/"))
    assert "evil.example" not in evil
    # Opened without a search: the resource's own needs, as categories once in the form.
    alone = text_of(client.get(f"/ressources/{items[0].id}"))
    link = re.search(r'id="proposer-accompagnement" href="([^"]+)"', alone).group(1)
    form = text_of(client.get(link))
    category = items[0].thematiques[0].split("--")[0]
    assert re.search(rf'id="freins-{category}" value="{category}" checked', form)
    assert "proposer-accompagnement" not in text_of(
        as_user(people.travailleur_reims).get(f"/ressources/{items[0].id}")
    )


def test_a_department_without_coordinators_receives_as_one_team(hand_runtime, people, as_user):
    from handover.models import Delais

    hand_runtime.handovers.store.save_delais(Delais("52", avec_coordinateurs=False))
    adviser = as_user(people.conseiller)
    check = post(
        adviser, "/accompagnements/nouvelle", proposal(code_commune=CHAUMONT, etape="verifier")
    )
    assert "Conseil départemental 52, équipe départementale (à router)" in text_of(check)
    record = propose(hand_runtime, people, code_commune=CHAUMONT)
    team_member = hand_runtime.accounts.create_user(
        None, "equipe@cd52.example.fr", "travailleur_social", "52", nom="Eve Équipe"
    )
    client = as_user(team_member)
    inbox = text_of(client.get("/accompagnements/"))
    assert f'data-reference="{record.reference}"' in inbox and "Équipe départementale" in inbox
    assert post(client, f"/accompagnements/{record.id}/prendre_en_charge").status_code == 303
    assert "Eve Équipe" in text_of(client.get(f"/accompagnements/{record.id}"))
