"""The e-mail adapter against a real SMTP server on loopback."""

from __future__ import annotations

import socket

import pytest

from notifications.mailer import Mailer, MailError


def test_a_message_reaches_the_server_in_french_utf8(smtp):
    mailer = Mailer(host="127.0.0.1", port=smtp.port, sender="relais@exemple.fr")
    assert mailer.send("coordination@mds-reims.fr", "Nouvelle orientation", "Accédez à Relais.")
    (message,) = smtp.messages
    assert message["From"] == "relais@exemple.fr"
    assert message["X-Envelope-To"] == "coordination@mds-reims.fr"
    assert message["Subject"] == "Nouvelle orientation"
    assert message.get_content().strip() == "Accédez à Relais."


def test_without_a_host_nothing_is_sent():
    assert Mailer.from_settings({"SMTP_HOST": ""}).send("a@b.fr", "s", "t") is False


def test_an_unreachable_server_is_a_french_error_without_the_content():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(MailError, match="n'a pas pu être envoyé") as error:
        Mailer(host="127.0.0.1", port=port).send("a@b.fr", "Sujet", "Contenu secret")
    assert "Contenu secret" not in str(error.value)
