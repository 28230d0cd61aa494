"""Where the import's worker processes live: never in the web server (a console import runs
in its thread and forks nothing), but kept by ``relais import`` for the imports that follow in
the same process (``indexer.parallel``)."""

from __future__ import annotations

import io
import multiprocessing
import os
import time
from pathlib import Path

import pytest
from conftest import csrf_token, make_user, sign_in
from marne_file import marne_file
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from indexer import parallel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def child_pids() -> set[int]:
    """This process's live children, as the kernel lists them (every thread's)."""
    pids: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids.update(int(pid) for pid in (task / "children").read_text().split())
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    return pids


def cpu_ticks(pids: set[int]) -> int:
    """User and system time the processes ``pids`` have used, in clock ticks (proc(5))."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
    return total


def upload(client, content: bytes, name: str):
    """The console's upload form, sent as the browser does (encoded in memory)."""
    boundary, body = encode_multipart(
        {"csrf_token": csrf_token(client), "fichier": FileStorage(io.BytesIO(content), name)}
    )
    return client.post(
        "/console/51/ressources",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.fixture
def no_pool():
    """No pool left by an earlier test of the process, nor by this one."""
    parallel.shutdown()
    yield
    parallel.shutdown()


@pytest.fixture
def admin_client(app, runtime):
    client = app.test_client()
    sign_in(client, make_user(runtime, "admin@cd51.fr", role="admin_departemental"))
    return client


def test_a_console_import_forks_no_worker_and_leaves_none(admin_client, runtime, no_pool):
    # Two workers asked for, and a file well over the pool's threshold: the command line
    # would fork a pool here (see the test below); the web server must not.
    runtime.settings["IMPORT_WORKERS"] = 2
    content = marne_file(2_000, "processus-")
    assert len(content) > 2 * parallel.POOL_MIN_BYTES
    before = child_pids()
    response = upload(admin_client, content, "processus-51.csv")
    assert response.status_code == 303, response.get_data(as_text=True)
    page = response.headers["Location"]
    forked: list[set[int]] = []
    deadline = time.monotonic() + 120
    while True:  # the page's script polls the same way
        forked.append(child_pids() - before)
        state = admin_client.get(page + "/etat").get_json()
        if state["etat"] not in ("en_attente", "en_cours"):
            break
        assert time.monotonic() < deadline, state
        time.sleep(0.02)

    assert (state["etat"], state["acceptees"]) == ("termine", 2_000), state
    assert forked and all(not pids for pids in forked), forked  # none, even meanwhile
    assert child_pids() - before == set()
    assert multiprocessing.active_children() == []
    assert parallel._pool is None


def test_the_command_line_keeps_its_pool_for_the_next_import(runner, runtime, no_pool, tmp_path):
    runtime.settings["IMPORT_WORKERS"] = 2
    path = tmp_path / "processus-51.csv"
    path.write_bytes(marne_file(2_000, "processus-"))
    assert path.stat().st_size > parallel.POOL_MIN_BYTES
    before = child_pids()

    first = runner(["import", str(path), "--departement", "51"])
    assert first.exit_code == 0, first.output
    pool = parallel._pool
    workers = {p.pid for p in multiprocessing.active_children()}
    assert pool is not None and len(workers) == 2
    assert child_pids() - before == workers  # real processes, kept after the import

    # The next file of the series, under the threshold of a first import: the kept pool
    # validates it (its workers work), with no new fork.
    small = tmp_path / "processus-51-suite.csv"
    small.write_bytes(marne_file(550, "processus-"))
    assert parallel.WARM_POOL_MIN_BYTES <= small.stat().st_size < parallel.POOL_MIN_BYTES
    worked = cpu_ticks(workers)
    second = runner(["import", str(small), "--departement", "51", "--force"])
    assert second.exit_code == 0, second.output
    assert parallel._pool is pool
    assert {p.pid for p in multiprocessing.active_children()} == workers
    assert child_pids() - before == workers
    assert cpu_ticks(workers) > worked

    parallel.shutdown()
    assert multiprocessing.active_children() == []
    assert child_pids() - before == set()
