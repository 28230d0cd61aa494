"""Sending the outbox's new messages after the response, in a background thread of the app.

A hand-over action writes its e-mail to the outbox (``notifications.outbox``) and hands it to
``BackgroundSender.submit``: the web request returns at once, whatever the SMTP server does
(unreachable, the mailer waits up to ``mailer.TIMEOUT_S`` seconds). The thread makes one
attempt per message; what it could not send stays in the outbox, retried by ``relais taches``
(cron), so that nothing is lost when the server is down or the process stops.

One thread per process, started on the first message (never at import, nor in a process that
sends nothing; under gunicorn each worker starts its own after the fork).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from notifications.outbox import Queued

log = logging.getLogger("relais.mail")


class BackgroundSender:
    """``BackgroundSender(deliver)``: ``submit(queued)`` returns at once; ``deliver(queued)``
    (``HandOverNotifier.deliver``: one attempt, its outcome written to the outbox) runs later
    in a daemon thread. ``wait_idle(timeout_s)`` → True once every submitted message was
    tried (tests, and a process about to stop)."""

    def __init__(self, deliver: Callable[[Queued], object]):
        self.deliver = deliver
        self._queue: queue.Queue[Queued] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition()
        self._unfinished = 0

    def submit(self, queued: Queued) -> None:
        with self._idle:
            self._unfinished += 1
        self._queue.put(queued)
        self._start()

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout=timeout_s)

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="relais-courriels", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            queued = self._queue.get()
            try:
                self.deliver(queued)
            except Exception:  # the message stays in the outbox for relais taches
                log.exception("e-mail %s (%s) not sent in the background", queued.id, queued.kind)
            finally:
                with self._idle:
                    self._unfinished -= 1
                    self._idle.notify_all()
