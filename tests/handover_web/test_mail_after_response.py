"""The hand-over's e-mails leave after the response (``notifications.sender``), on SQLite and
on a real PostgreSQL: an action never waits on SMTP, its message is in the outbox first, the
app's background thread sends it, and ``relais taches`` sends what that thread could not —
once a real SMTP server (aiosmtpd) listens again. Timings belong to ``bench/``, not here."""

from __future__ import annotations

import socket

from aiosmtpd.controller import Controller
from click.testing import CliRunner
from handover_support import post, proposal
from handover_world import PERSON, PERSONAL
from smtp_support import Inbox

from persistence.outbox import SqlOutbox
from relais.runtime import Runtime

PUBLIC_URL = "https://relais.example.fr"


def _free_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on (yet)
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _record_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_background_sender_delivers_after_the_response(hand_runtime, people, as_user, smtp):
    hand_runtime.settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, PUBLIC_URL=PUBLIC_URL)
    adviser = as_user(people.conseiller)
    record_id = _record_id(post(adviser, "/accompagnements/nouvelle", proposal(**PERSON)))
    assert hand_runtime.mail_sender is not None  # the app's choice, not the CLI's
    assert hand_runtime.mail_sender.wait_idle(30)
    (message,) = smtp.messages
    assert "Nouvelle proposition" in message["Subject"]
    assert message["X-Envelope-To"] == people.coordinateur_reims.email
    assert f"{PUBLIC_URL}/accompagnements/{record_id}" in smtp.texts()[0]
    assert SqlOutbox(hand_runtime.database).counts() == {"en_attente": 0, "abandonnes": 0}


def test_an_action_succeeds_with_smtp_down_and_its_message_leaves_once_smtp_is_back(
    hand_runtime, people, as_user
):
    port = _free_port()
    hand_runtime.settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, PUBLIC_URL=PUBLIC_URL)
    adviser = as_user(people.conseiller)
    record_id = _record_id(post(adviser, "/accompagnements/nouvelle", proposal(**PERSON)))
    assert hand_runtime.handovers.store.get(record_id).status == "transmise"
    coordinator = as_user(people.coordinateur_reims)
    assigned = post(
        coordinator,
        f"/accompagnements/{record_id}/attribuer",
        {"travailleur_social_id": people.travailleur_reims.id},
    )
    assert _record_id(assigned) == record_id
    assert hand_runtime.mail_sender.wait_idle(30)
    outbox = SqlOutbox(hand_runtime.database)
    waiting = outbox.pending()
    # Each tried once by the app's thread, refused by the closed port, kept.
    assert [q.kind for q in waiting] == ["transmise", "attribuer"]
    assert all(q.attempts == 1 and "n'a pas pu être envoyé" in q.last_error for q in waiting)
    assert outbox.counts() == {"en_attente": 2, "abandonnes": 0}

    inbox = Inbox(port=port)
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()  # the SMTP server is back, on the same port
    try:
        # What cron runs: a fresh process-like runtime on the same store sends them at once.
        cron = Runtime(hand_runtime.settings)
        cron.database = hand_runtime.database
        cron.directory = hand_runtime.directory
        from relais.cli import main

        result = CliRunner().invoke(main, ["taches"], obj={"runtime": lambda: cron})
        assert result.exit_code == 0, result.output
        assert "Courriels en attente envoyés : 2." in result.output
    finally:
        controller.stop()
    subjects = {m["X-Envelope-To"]: m["Subject"] for m in inbox.messages}
    assert set(subjects) == {people.coordinateur_reims.email, people.travailleur_reims.email}
    assert "Nouvelle proposition" in subjects[people.coordinateur_reims.email]
    assert "attribuée" in subjects[people.travailleur_reims.email]
    assert outbox.counts() == {"en_attente": 0, "abandonnes": 0}
    for text in inbox.texts():
        for value in PERSONAL:
            assert value.lower() not in text.lower(), value
