"""What the hand-over's e-mails may not contain, and how the browser tests read them."""

from __future__ import annotations

import re

LINK = re.compile(r"https?://\S+/accompagnements/\d+")


def personal_values(
    identifiant: str,
    nom: str,
    prenom: str = "Léa",
    courriel: str = "",
    free_texts: tuple[str, ...] = (),
) -> list[str]:
    """Every form under which the person's data could leak into a message: identifiant
    France Travail, nom, prénom (with and without accents), date of birth (1985-04-12, the
    one every test uses, in three spellings), telephone (06 12 34 56 78, three spellings),
    e-mail, and the free texts typed about them."""
    values = [identifiant, nom, prenom, prenom.replace("é", "e"), *free_texts]
    values += ["1985-04-12", "12/04/1985", "12 avril 1985"]
    values += ["06 12 34 56 78", "0612345678", "+33612345678"]
    if courriel:
        values.append(courriel)
    return values


def text_of(message) -> str:
    """Headers (decoded) and body (decoded from its transfer encoding) of one message."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    return headers + "\n\n" + message.get_body(preferencelist=("plain",)).get_content()


def assert_no_personal_data(messages, values: list[str]) -> None:
    assert messages, "aucun courriel reçu : rien à vérifier"
    for message in messages:
        whole = text_of(message)
        for value in values:
            assert value.lower() not in whole.lower(), f"« {value} » dans :\n{whole}"


def addressed(messages) -> list[tuple[str, str]]:
    """``[(recipients, subject)]`` in the order they arrived, subject without its prefix and
    reference (``Relais – <subject> – <reference>``)."""
    return [(m["X-Envelope-To"], str(m["Subject"]).split(" – ")[1]) for m in messages]


def link_in(message) -> str:
    found = LINK.findall(text_of(message))
    assert len(found) == 1, text_of(message)
    return found[0]
