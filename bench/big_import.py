"""The import of one very large file (a million rows by default), measured from outside:
``relais import`` runs in its own process, as in production, and its memory (the importing
process and its validation workers) is sampled from ``/proc`` while it runs.

The file is the synthetic department files of the largest measured size, concatenated and
repeated with ids made unique (``k<copie>-…``) and the ``departement`` column emptied, imported
with ``--departement 51 --force`` (most rows lie outside the Marne: a warning, not a reject).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.stats import target

# The bound the README documents for the import of a file of up to a million rows (the
# importing process and its workers together, RSS).
MEMORY_BOUND_MB = 1024


def write_big_csv(csv_files: list[Path], rows: int, path: Path) -> int:
    """Write ``rows`` rows out of ``csv_files`` (repeated as needed) into ``path``."""
    written = copy = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        header_done = False
        while written < rows:
            for source in csv_files:
                with source.open(encoding="utf-8", newline="") as handle:
                    header = handle.readline()
                    if not header_done:
                        out.write(header)
                        header_done = True
                    for line in handle:
                        if written >= rows:
                            break
                        # The generator writes one physical line per record, departement last.
                        out.write(f"k{copy}-" + line.rstrip("\r\n").rsplit(",", 1)[0] + ",\n")
                        written += 1
                if written >= rows:
                    break
            copy += 1
    return written


def _tree_rss_kb(pid: int) -> tuple[int, int]:
    """(RSS of ``pid``, RSS of ``pid`` and its children), in KiB."""

    def rss(p: int) -> int:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    own = rss(pid)
    total = own
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        total += rss(int(child))
    return own, total


def measure_big_import(csv_files: list[Path], rows: int, work_dir: Path, log) -> dict:
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / "gros-fichier.csv"
    log(f"fichier de {rows} lignes pour la mesure de mémoire…")
    written = write_big_csv(csv_files, rows, path)
    env = dict(os.environ, RELAIS_DATA_DIR=str(work_dir / "donnees"))
    command = [
        sys.executable,
        "-c",
        "from relais.cli import main; main()",
        "import",
        str(path),
        "--departement",
        "51",
        "--force",
        "--json",
    ]
    log(f"relais import de {written} lignes ({path.stat().st_size // 2**20} Mio)…")
    peaks = {"own": 0, "total": 0}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def sample() -> None:
        while process.poll() is None:
            own, total = _tree_rss_kb(process.pid)
            peaks["own"] = max(peaks["own"], own)
            peaks["total"] = max(peaks["total"], total)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    sampler.join()
    try:
        summary = json.loads(stdout)
    except ValueError:
        return {
            "erreur": stderr.decode(errors="replace")[-2000:],
            "code_de_sortie": process.returncode,
        }
    total_mb = round(peaks["total"] / 1024, 1)
    result = {
        "methode": "relais import (processus à part) d'un seul CSV, --departement 51 --force ; "
        "RSS échantillonnée toutes les 200 ms dans /proc (processus et workers)",
        "lignes": written,
        "octets": path.stat().st_size,
        "code_de_sortie": process.returncode,
        "acceptees": summary.get("acceptees"),
        "rejetees": summary.get("rejetees"),
        "duree_s": round(elapsed, 3),
        "ressources_par_s": round(written / elapsed, 1),
        "rss_pic_processus_mo": round(peaks["own"] / 1024, 1),
        "rss_pic_total_mo": target(total_mb, MEMORY_BOUND_MB, "<="),
    }
    path.unlink(missing_ok=True)
    return result
