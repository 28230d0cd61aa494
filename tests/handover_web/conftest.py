"""Fixtures of the hand-over route tests: a runtime on the parametrised ``database`` (SQLite,
then a real PostgreSQL), its people and places (``handover_support.world``), the app, and
``as_user(user)``: a client logged in as ``user`` with its CSRF token."""

from __future__ import annotations

import pytest
from conftest import csrf_token, sign_in
from handover_support import world

from relais.runtime import Runtime


@pytest.fixture
def hand_runtime(settings, directory, database) -> Runtime:
    rt = Runtime(settings)
    rt.directory = directory
    rt.database = database  # the parametrised store: SQLite, then PostgreSQL
    return rt


@pytest.fixture
def people(hand_runtime):
    return world(hand_runtime)


@pytest.fixture
def hand_app(hand_runtime):
    from relais.app import create_app

    return create_app({"TESTING": True, "RELAIS_RUNTIME": hand_runtime})


@pytest.fixture
def as_user(hand_app):
    """``as_user(user)`` → a client whose session belongs to ``user`` (with ``.token``)."""

    def make(user):
        client = hand_app.test_client()
        sign_in(client, user)
        client.token = csrf_token(client)
        return client

    return make
