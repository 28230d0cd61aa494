"""Invitations: the console's "invite" e-mails a signed, expiring link (real SMTP server on
loopback) or, without SMTP, shows it to pass on; the link lets the person choose a password
once; the e-mail carries nothing personal beyond the invitee's own address."""

from __future__ import annotations

import re
import socket
import time
from html import unescape

import pytest
from conftest import csrf_token, make_user, sign_in
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from notifications import mailer
from relais.app import create_app
from web.invitations.services import (
    SALT,
    SMTP_WAIT_S,
    InvitationError,
    make_token,
    read_token,
)

PUBLIC_URL = "https://relais.cd51.example.fr"
INVITEE = "nouvelle.conseillere@ft51.example.fr"
PASSWORD = "une phrase facile a retenir"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _admin_client(runtime, **config):
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime, **config})
    admin = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    client = app.test_client()
    sign_in(client, admin)
    return app, client


def _invite(client, **form):
    return client.post(
        "/console/51/membres",
        data={
            "csrf_token": csrf_token(client),
            "email": INVITEE,
            "nom": "Camille Martin",
            "role": "conseiller",
            "agence": "AG51",
            **form,
        },
    )


def test_an_invitation_is_emailed_and_its_link_sets_the_password_once(runtime, smtp):
    app, client = _admin_client(
        runtime, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, PUBLIC_URL=PUBLIC_URL
    )
    page = _invite(client)
    assert page.status_code == 200
    assert "Un courriel d'invitation a été envoyé à " + INVITEE in text(page)
    assert "lien-invitation" not in text(page)  # the link went by mail only
    [message] = smtp.messages
    assert message["X-Envelope-To"] == INVITEE and message["Subject"] == "Votre accès à Relais"
    body = message.get_content()
    links = re.findall(r"https://\S+", body)
    assert links[0].startswith(PUBLIC_URL + "/invitation/")
    assert links[1] == PUBLIC_URL + "/connexion"
    # Nothing personal beyond the invitee's own address: not the name given, not the admin,
    # not the role, agence or department.
    whole = smtp.texts()[0]
    for other in ("Camille", "Martin", "admin@cd51.fr", "Conseiller France Travail", "AG51"):
        assert other not in whole, other
    # The person opens the link (no session), chooses a password, then logs in with it.
    path = links[0].removeprefix(PUBLIC_URL)
    person = app.test_client()
    form = person.get(path)
    assert form.status_code == 200 and INVITEE in text(form)
    token = csrf_token(person)
    mismatch = person.post(
        path, data={"csrf_token": token, "mot_de_passe": PASSWORD, "confirmation": "autre"}
    )
    assert mismatch.status_code == 400 and "ne sont pas identiques" in text(mismatch)
    short = person.post(
        path, data={"csrf_token": token, "mot_de_passe": "court", "confirmation": "court"}
    )
    assert short.status_code == 400 and "au moins 12 caractères" in text(short)
    done = person.post(
        path, data={"csrf_token": token, "mot_de_passe": PASSWORD, "confirmation": PASSWORD}
    )
    assert done.status_code == 200 and "Mot de passe enregistré" in text(done)
    assert runtime.accounts.authenticate(INVITEE, PASSWORD).email == INVITEE
    again = person.get(path)
    assert again.status_code == 400 and "déjà servi" in text(again)
    journal = text(client.get("/console/51/journal"))
    assert "Invitation d'un membre" in journal and "courriel envoyé" in journal
    assert "Mot de passe choisi par la personne invitée" in journal


def test_without_smtp_the_console_shows_the_link_to_pass_on(runtime, smtp):
    app, client = _admin_client(runtime, PUBLIC_URL=PUBLIC_URL)  # no SMTP_HOST
    page = text(_invite(client))
    assert "Aucun serveur de courriel n'est configuré" in page
    link = re.search(r'id="lien-invitation" value="([^"]+)"', page).group(1)
    assert link.startswith(PUBLIC_URL + "/invitation/")
    assert smtp.messages == []
    assert app.test_client().get(link.removeprefix(PUBLIC_URL)).status_code == 200
    assert "lien affiché dans la console" in text(client.get("/console/51/journal"))


def test_an_smtp_failure_shows_the_link_and_no_trace(runtime):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    _, client = _admin_client(runtime, SMTP_HOST="127.0.0.1", SMTP_PORT=closed)
    response = _invite(client)
    page = text(response)
    assert response.status_code == 200
    assert "Le courriel d'invitation n'a pas pu être envoyé" in page
    assert f"Raison : le serveur de courriel refuse la connexion (127.0.0.1:{closed})" in page
    assert "Traceback" not in page and "ConnectionRefusedError" not in page
    # Without RELAIS_PUBLIC_URL the link uses the request's host only when it is local.
    assert re.search(r'value="http://localhost/invitation/[^"]+"', page)
    assert runtime.accounts.store.find_user_by_email(INVITEE) is not None


def test_a_silent_smtp_server_does_not_hold_the_console(runtime):
    """A server that takes the connection and never greets (a relay down behind a firewall,
    a hung one): the console answers after ``SMTP_WAIT_S`` seconds, not the mailer's 10, in
    French and with the link to pass on; the person's account is there."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # the kernel completes the connection; nobody ever answers
        port = silent.getsockname()[1]
        _, client = _admin_client(
            runtime, SMTP_HOST="127.0.0.1", SMTP_PORT=port, PUBLIC_URL=PUBLIC_URL
        )
        started = time.monotonic()
        response = _invite(client)
        waited = time.monotonic() - started
    page = text(response)
    assert response.status_code == 200
    assert (
        f"Raison : le serveur de courriel n'a pas répondu en {SMTP_WAIT_S:g} secondes "
        f"(127.0.0.1:{port})" in page
    )
    link = re.search(r'id="lien-invitation" value="([^"]+)"', page).group(1)
    assert link.startswith(PUBLIC_URL + "/invitation/")
    # A bound on a timeout, not a speed measurement: the mailer alone would wait 10 s.
    assert SMTP_WAIT_S <= waited < mailer.TIMEOUT_S, waited
    assert runtime.accounts.store.find_user_by_email(INVITEE) is not None
    assert "lien affiché dans la console" in text(client.get("/console/51/journal"))


def test_a_failed_invitation_changes_nothing(runtime, smtp):
    _, client = _admin_client(runtime, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
    response = _invite(client, role="admin_national")  # not the admin's to give
    assert response.status_code == 403
    assert smtp.messages == []
    assert runtime.accounts.store.find_user_by_email(INVITEE) is None


def test_expired_forged_and_closed_links_are_refused(app, runtime):
    secret = app.config["SECRET_KEY"]
    user = make_user(runtime, INVITEE)
    store = runtime.accounts.store
    assert read_token(secret, make_token(secret, user), store).id == user.id

    class ThreeDaysAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 73 * 3600

    payload = URLSafeTimedSerializer(secret, salt=SALT).loads(make_token(secret, user))
    old = URLSafeTimedSerializer(secret, salt=SALT, signer=ThreeDaysAgo).dumps(payload)
    with pytest.raises(InvitationError, match="a expiré"):
        read_token(secret, old, store)
    with pytest.raises(InvitationError, match="n'est pas valide"):
        read_token("une autre clé secrète", make_token(secret, user), store)
    token = make_token(secret, user)
    runtime.accounts.deactivate(None, user.id)
    with pytest.raises(InvitationError, match="aucun compte ouvert"):
        read_token(secret, token, store)
    response = app.test_client().get(f"/invitation/{token}")
    assert response.status_code == 400 and "Lien d'invitation inutilisable" in text(response)
    assert app.test_client().get("/invitation/n-importe-quoi").status_code == 400
