"""``notifications.sender.BackgroundSender``: the app's thread that sends the outbox's new
messages after the response (the outbox itself and ``relais taches`` have their tests in
``tests/test_handover_tasks.py`` and ``tests/handover_web/test_mail_after_response.py``)."""

from __future__ import annotations

import threading

from notifications.outbox import Message, Queued
from notifications.sender import BackgroundSender


def _queued(number: int) -> Queued:
    return Queued(number, "transmise", number, Message(("a@exemple.fr",), "Sujet", "Texte"), 0)


def test_messages_are_tried_in_order_off_the_caller_thread_and_a_failure_stops_nothing():
    tried: list[tuple[int, str]] = []
    release = threading.Event()

    def deliver(queued: Queued):
        release.wait(10)  # the caller has returned long before this
        tried.append((queued.id, threading.current_thread().name))
        if queued.id == 1:
            raise OSError("serveur injoignable")  # logged; the message stays in the outbox
        return True

    sender = BackgroundSender(deliver)
    for number in (1, 2, 3):
        sender.submit(_queued(number))
    assert tried == [] and not sender.wait_idle(0.05)  # submit did not wait
    release.set()
    assert sender.wait_idle(10)
    assert [number for number, _ in tried] == [1, 2, 3]
    assert {name for _, name in tried} == {"relais-courriels"}
    sender.submit(_queued(4))  # the same thread goes on after the failure
    assert sender.wait_idle(10) and tried[-1] == (4, "relais-courriels")
