"""The hand-over to axes 2 and 3 in a real Chromium, each role in its own browser session, on
SQLite and on a real PostgreSQL (``hand_server``): a whole axe-2 journey with four roles, an
axe-3 journey typed at the keyboard, a redirect, a refusal, and the proposal form without
JavaScript. Each journey's e-mails reach a real SMTP server: who got which, none with the
person's data, and their link requires login. axe-core audits each kind of page; screenshots
go to test-artifacts/screenshots/ (``4x-…``, the PostgreSQL run's suffixed ``-pg``)."""

from __future__ import annotations

import re

import pytest
from handover_support import CHALONS_MAILBOX, PASSWORD, REIMS, proposal
from playwright.sync_api import expect

from handover.dates import today_in_france

from ..conftest import audit, screenshot
from .mail import addressed, assert_no_personal_data, link_in, personal_values


@pytest.fixture
def shot(hand_server):
    """``shot(page, name)``: the screenshot, named per database."""
    suffix = "" if hand_server.backend == "sqlite" else "-pg"
    return lambda page, name: screenshot(page, name + suffix)


def fill_person(page, identifiant: str, nom: str) -> str:
    """Types the person's identity; returns their e-mail address."""
    courriel = f"lea.{nom.lower()}@exemple.fr"
    page.locator("#identifiant_ft").fill(identifiant)
    page.locator("#nom").fill(nom)
    page.locator("#prenom").fill("Léa")
    page.locator("#date_naissance").fill("1985-04-12")
    page.locator("#telephone").fill("06 12 34 56 78")
    page.locator("#courriel").fill(courriel)
    return courriel


def consent(page) -> None:
    for scope in ("transmission", "diagnostic", "entree"):
        page.locator(f"label[for=consentement_portees-{scope}]").click()


def chalons_inbox(people) -> str:
    """The recipients of MDS Châlons's inbox messages, as the SMTP server saw them: the
    territory's functional mailbox, then its coordinateur."""
    return f"{CHALONS_MAILBOX}, {people.coordinateur_chalons.email}"


def action(page, name: str):
    return page.locator(f"#action-{name}")


def test_an_axe_2_journey_with_four_roles(session_of, people, mails, shot):
    adviser = session_of(people.conseiller)
    adviser.goto(f"/?code_commune={REIMS}&thematiques=logement-hebergement&thematiques=sante")
    adviser.get_by_role("link", name="Proposer un accompagnement global ou social").click()
    expect(adviser.get_by_role("heading", level=1)).to_have_text(
        "Proposer un accompagnement global ou social"
    )
    # Carried from the search: the needs as freins, the commune and where it will go.
    expect(adviser.locator("#freins-logement-hebergement")).to_be_checked()
    expect(adviser.locator("#freins-sante")).to_be_checked()
    expect(adviser.locator("#commune")).to_have_value("Reims (51100, Marne)")
    expect(adviser.locator("#destinataire")).to_contain_text("Sera reçue par : MDS Reims")
    courriel = fill_person(adviser, "1234567A", "Martin")
    adviser.locator("label[for=appreciations-freins_multiples]").click()
    adviser.get_by_label("En quelques mots").fill("Loyers impayés depuis trois mois.")
    expect(adviser.locator("#appreciation_texte-compteur")).to_have_text("33 / 1000 caractères")
    consent(adviser)
    audit(adviser, "proposition")
    shot(adviser, "40-proposition")
    adviser.get_by_role("button", name="Transmettre la proposition").click()
    expect(adviser.locator("#statut")).to_have_text("Transmise")
    expect(adviser.locator("main")).to_contain_text("transmise : MDS Reims")
    file_url = adviser.url
    shot(adviser, "41-dossier-transmis")

    coordinator = session_of(people.coordinateur_reims)
    coordinator.get_by_role("link", name="Accompagnements").click()
    expect(coordinator.locator("#compteurs [data-statut=transmise]")).to_have_text("Transmise : 1")
    reference = coordinator.locator("tr[data-reference] td a").first.inner_text()
    coordinator.get_by_label(f"Travailleur social pour le dossier {reference}").select_option(
        label="Théo Social"
    )
    audit(coordinator, "boîte de réception")
    shot(coordinator, "42-boite-de-reception")
    coordinator.get_by_role("button", name=f"Attribuer le dossier {reference}").click()
    expect(coordinator.locator("#compteurs [data-statut=prise_en_charge]")).to_have_text(
        "Prise en charge : 1"
    )

    dedicated = session_of(people.conseiller_ag)
    dedicated.goto(file_url)
    form = action(dedicated, "diagnostic_ft")
    form.get_by_label("Synthèse").fill("Côté emploi : projet d'aide-soignante, prête à chercher.")
    form.get_by_role("button", name="Enregistrer le diagnostic France Travail").click()
    expect(dedicated.locator("#diagnostic-france_travail")).to_contain_text("aide-soignante")
    # Its author sees the saved half, not an empty form; "Modifier" opens it pre-filled.
    form = action(dedicated, "diagnostic_ft")
    expect(form.locator("#diagnostic_ft-enregistre")).to_contain_text("Entretien séparé du")
    expect(form.locator("#diagnostic_ft-enregistre")).to_contain_text("aide-soignante")
    expect(form.get_by_label("Synthèse")).to_be_hidden()
    audit(dedicated, "diagnostic enregistré")
    form.get_by_text("Modifier mon diagnostic").click()
    shot(dedicated, "42b-diagnostic-a-modifier")
    expect(form.get_by_label("Synthèse")).to_have_value(
        "Côté emploi : projet d'aide-soignante, prête à chercher."
    )
    form.get_by_label("Synthèse").fill("Côté emploi : aide-soignante, formation en vue.")
    form.get_by_role("button", name="Enregistrer le diagnostic France Travail").click()
    expect(dedicated.locator("#diagnostic-france_travail")).to_contain_text("formation en vue")
    expect(action(dedicated, "diagnostic_ft").locator("#diagnostic_ft-enregistre")).to_contain_text(
        "formation en vue"
    )

    worker = session_of(people.travailleur_reims)
    worker.goto(file_url)
    expect(worker.locator("#referent-cd")).to_have_text("Théo Social")
    form = action(worker, "diagnostic_cd")
    form.get_by_label("Synthèse").fill("Côté social : plan d'apurement des dettes à monter.")
    form.get_by_role("button", name="Enregistrer le diagnostic du Département").click()
    # Each side reads the other's summary.
    expect(worker.locator("#diagnostic-france_travail")).to_contain_text("formation en vue")
    expect(worker.locator("#diagnostic-departement")).to_contain_text("apurement")
    # The other side's half is only read: no form to replace it.
    expect(action(worker, "diagnostic_ft")).to_have_count(0)

    dedicated.reload()
    expect(dedicated.locator("#diagnostic-departement")).to_contain_text("apurement")
    decision = action(dedicated, "accepter")
    decision.get_by_label("Date d'entrée prévue").fill(today_in_france().isoformat())
    decision.get_by_role("button", name="Décider l'entrée").click()
    expect(dedicated.locator("#statut")).to_have_text("Acceptée")

    worker.reload()
    action(worker, "entrer").get_by_role("button", name="Enregistrer l'entrée").click()
    expect(worker.locator("#statut")).to_have_text("Entrée en accompagnement")
    audit(worker, "dossier de la personne")
    shot(worker, "43-dossier-entree")

    adviser.reload()
    expect(adviser.locator("#statut")).to_have_text("Entrée en accompagnement")
    history = adviser.locator("#historique tbody tr")
    expect(history).to_have_count(7)  # the FT diagnostic recorded twice
    expect(history.nth(1)).to_contain_text("Colette Reims")
    expect(history.nth(1)).to_contain_text("attribuée à Théo Social")

    # The e-mails: the territory's coordinateur, the social worker, the adviser; no entry
    # message. None carries the person's data; their link requires login.
    received = mails()
    assert addressed(received) == [
        (people.coordinateur_reims.email, "Nouvelle proposition d'orientation"),
        (people.travailleur_reims.email, "Orientation qui vous est attribuée"),
        (people.conseiller.email, "Décision : entrée en accompagnement acceptée"),
    ]
    assert_no_personal_data(
        received,
        personal_values(
            "1234567A",
            "Martin",
            courriel=courriel,
            free_texts=("Loyers impayés", "aide-soignante", "apurement"),
        ),
    )
    link = link_in(received[0])
    assert link == file_url
    stranger = session_of()
    stranger.goto(link)
    expect(stranger).to_have_url(
        re.compile(r"/connexion\?suivant=(/|%2F)accompagnements(/|%2F)\d+$")
    )
    expect(stranger.locator("main")).not_to_contain_text("Martin")
    stranger.get_by_label("Adresse électronique").fill(people.coordinateur_reims.email)
    stranger.get_by_label("Mot de passe").fill(PASSWORD)
    stranger.get_by_role("button", name="Se connecter").click()
    expect(stranger).to_have_url(link)
    expect(stranger.locator("#statut")).to_have_text("Entrée en accompagnement")


def test_an_axe_3_journey_at_the_keyboard(session_of, people, mails, shot):
    adviser = session_of(people.conseiller)
    adviser.goto("/accompagnements/nouvelle")
    adviser.locator("label[for=axe-3]").click()
    courriel = fill_person(adviser, "7654321B", "Durand")
    commune = adviser.locator("#commune")
    commune.fill("Chalons en champ")
    expect(adviser.get_by_role("option").first).to_contain_text("Châlons-en-Champagne")
    commune.press("ArrowDown")
    commune.press("Enter")
    # The script asks the server where it will go, without sending anything.
    expect(adviser.locator("#destinataire")).to_contain_text("Sera reçue par : MDS Châlons")
    adviser.locator("label[for=freins-logement-hebergement]").click()
    consent(adviser)
    adviser.get_by_role("button", name="Transmettre la proposition").click()
    expect(adviser.locator("#statut")).to_have_text("Transmise")
    file_url = adviser.url

    coordinator = session_of(people.coordinateur_chalons)
    coordinator.goto("/accompagnements/")
    claim = coordinator.get_by_role("button", name=re.compile("^Prendre en charge"))
    claim.focus()
    coordinator.keyboard.press("Enter")
    expect(coordinator.locator("#compteurs [data-statut=prise_en_charge]")).to_have_text(
        "Prise en charge : 1"
    )
    coordinator.goto(file_url)
    expect(coordinator.locator("#diagnostic-france_travail")).to_have_count(0)  # axe 3
    form = action(coordinator, "diagnostic_cd")
    form.get_by_label("Synthèse").fill("Hébergement d'urgence à trouver avant tout.")
    form.get_by_role("button", name="Enregistrer le diagnostic du Département").click()
    decision = action(coordinator, "accepter")
    decision.get_by_label("Date d'entrée prévue").fill(today_in_france().isoformat())
    decision.get_by_role("button", name="Décider l'entrée").click()
    action(coordinator, "entrer").get_by_role("button", name="Enregistrer l'entrée").click()
    expect(coordinator.locator("#statut")).to_have_text("Entrée en accompagnement")
    # Axe 3 is not renewed; it ends.
    expect(action(coordinator, "renouveler")).to_have_count(0)
    expect(action(coordinator, "terminer")).to_be_visible()
    shot(coordinator, "44-axe-3-entree")
    received = mails()
    # The territory's functional mailbox gets the new proposal with its coordinateur.
    assert people.chalons.courriel == CHALONS_MAILBOX
    assert addressed(received) == [
        (chalons_inbox(people), "Nouvelle proposition d'orientation"),
        (people.conseiller.email, "Décision : entrée en accompagnement acceptée"),
    ]
    assert_no_personal_data(
        received,
        personal_values("7654321B", "Durand", courriel=courriel, free_texts=("Hébergement",)),
    )
    assert link_in(received[1]) == file_url


def propose_through_the_service(hand_runtime, people, identifiant: str):
    return hand_runtime.handovers.propose(people.conseiller, proposal(identifiant_ft=identifiant))


# The person of ``handover_support.proposal``, and the free text typed about them.
SERVICE_PERSON = {"nom": "Martin", "free_texts": ("Loyers impayés",)}


def test_a_redirect_to_another_territory(session_of, people, hand_runtime, mails, shot):
    record = propose_through_the_service(hand_runtime, people, "1111111C")
    reims = session_of(people.coordinateur_reims)
    reims.goto(f"/accompagnements/{record.id}")
    form = action(reims, "rediriger")
    form.get_by_label("Territoire d'action sociale").select_option(label="MDS Châlons")
    form.get_by_label("Motif de la redirection").fill("La personne vit à Châlons")
    form.get_by_role("button", name="Rediriger vers un autre territoire").click()
    expect(reims).to_have_url(re.compile(r"/accompagnements/$"))
    expect(reims.locator("main")).to_contain_text(f"dossier {record.reference}")
    expect(reims.locator(f"tr[data-reference='{record.reference}']")).to_have_count(0)

    chalons = session_of(people.coordinateur_chalons)
    chalons.goto("/accompagnements/")
    chalons.get_by_role("link", name=record.reference, exact=True).click()
    expect(chalons.locator("main")).to_contain_text("Redirigée 1 fois")
    expect(chalons.locator("#territoire")).to_contain_text("MDS Châlons")
    expect(chalons.locator("#historique")).to_contain_text("vers MDS Châlons : La personne vit")
    shot(chalons, "45-redirigee")
    received = mails()
    assert addressed(received) == [
        (people.coordinateur_reims.email, "Nouvelle proposition d'orientation"),
        (chalons_inbox(people), "Proposition d'orientation redirigée vers votre territoire"),
    ]
    assert "MDS Châlons" in received[1].get_body().get_content()
    assert_no_personal_data(
        received,
        personal_values("1111111C", **SERVICE_PERSON) + ["La personne vit à Châlons"],
    )


def test_a_refusal_with_reasons_reaches_the_adviser(session_of, people, hand_runtime, mails, shot):
    record = propose_through_the_service(hand_runtime, people, "2222222D")
    coordinator = session_of(people.coordinateur_reims)
    coordinator.goto(f"/accompagnements/{record.id}")
    form = action(coordinator, "refuser_reception")
    form.get_by_role("button", name="Refuser").click()  # no reason: refused, nothing lost
    expect(coordinator.locator("#erreurs")).to_contain_text("Motifs du refus")
    form = action(coordinator, "refuser_reception")
    expect(form).to_have_class(re.compile("relais-action--error"))
    form.locator("label[for=refuser_reception-motifs_refus-deja_accompagnee]").click()
    form.locator("label[for=refuser_reception-refus_communicable]").click()
    form.get_by_label("Commentaire").fill("Suivie par le CCAS de Reims.")
    shot(coordinator, "46-refus-erreur")
    form.get_by_role("button", name="Refuser").click()
    expect(coordinator.locator("#statut")).to_have_text("Refusée")

    adviser = session_of(people.conseiller)
    adviser.goto(f"/accompagnements/{record.id}")
    expect(adviser.locator("#motifs-refus")).to_contain_text("Déjà accompagnée par ailleurs")
    expect(adviser.locator("#motifs-refus")).to_contain_text("communicables à la personne")
    audit(adviser, "dossier refusé")
    adviser.set_viewport_size({"width": 375, "height": 812})
    expect(adviser.locator("#motifs-refus")).to_be_visible()
    shot(adviser, "48-dossier-refuse-mobile")
    # The adviser is told, with the reason since it may be shared; never the comment.
    received = mails()
    assert addressed(received) == [
        (people.coordinateur_reims.email, "Nouvelle proposition d'orientation"),
        (people.conseiller.email, "Proposition refusée à la réception"),
    ]
    assert (
        "Motif (communicable à la personne) : Déjà accompagnée par ailleurs"
        in received[1].get_body().get_content()
    )
    assert_no_personal_data(
        received, personal_values("2222222D", **SERVICE_PERSON) + ["CCAS de Reims"]
    )


def test_the_proposal_works_without_javascript(session_of, people, mails, shot):
    adviser = session_of(people.conseiller, js=False)
    adviser.goto("/accompagnements/nouvelle")
    adviser.locator("#commune").fill("Châlons-en-Champagne")
    adviser.get_by_role("button", name="Vérifier le destinataire").click()
    expect(adviser.locator("#destinataire")).to_contain_text("Sera reçue par : MDS Châlons")
    courriel = fill_person(adviser, "3333333E", "Petit")
    adviser.locator("label[for=freins-mobilite]").click()
    adviser.locator("label[for=consentement_portees-transmission]").click()
    # The diagnostic's consent is missing: the form comes back with every value.
    adviser.get_by_role("button", name="Transmettre la proposition").click()
    expect(adviser.locator("#consentement_portees-messages")).to_contain_text("diagnostic partagé")
    expect(adviser.locator("#nom")).to_have_value("Petit")
    expect(adviser.locator("#freins-mobilite")).to_be_checked()
    adviser.locator("label[for=consentement_portees-diagnostic]").click()
    adviser.get_by_role("button", name="Transmettre la proposition").click()
    expect(adviser.locator("#statut")).to_have_text("Transmise")
    adviser.goto("/accompagnements/notice")
    expect(adviser.get_by_role("heading", level=1)).to_contain_text("Votre accompagnement")
    shot(adviser, "47-notice")
    received = mails()  # one message, although the form was sent twice
    assert addressed(received) == [(chalons_inbox(people), "Nouvelle proposition d'orientation")]
    assert_no_personal_data(received, personal_values("3333333E", "Petit", courriel=courriel))
