"""Synthetic data for the benchmark, cached in ``.cache/bench/`` (git-ignored).

One folder per (size, seed, fingerprint of the generator and of the reference files): the
generated ``Resource`` objects (pickled: only this benchmark reads them back) and one CSV per
department in the import template, written with ``bench.synthetic.write_csv``. A department
publishes its own file, and the importer refuses a file whose rows span several departments,
so the all-France data set is imported department by department, as in production.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bench import synthetic
from resource_base import models
from resource_base.geo import CommuneDirectory
from resource_base.models import Resource

FORMAT_VERSION = 1


@dataclass
class DataSet:
    size: int
    seed: int
    resources: list[Resource]
    csv_files: list[Path]  # one per department, sorted by department code
    from_cache: bool
    generation_s: float | None  # None when read from the cache
    folder: Path

    def describe(self) -> dict:
        return {
            "ressources": len(self.resources),
            "graine": self.seed,
            "depuis_le_cache": self.from_cache,
            "generation_s": self.generation_s,
            "fichiers_csv": len(self.csv_files),
            "octets_csv": sum(p.stat().st_size for p in self.csv_files),
            "dossier": str(self.folder),
        }


def _fingerprint(settings: dict) -> str:
    """Changes when the generator, the model or the reference files change."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    for module in (synthetic, models):
        digest.update(Path(module.__file__).read_bytes())
    for key, name in (("COMMUNES_CSV", ""), ("DECOUPAGE_DIR", "communes.json")):
        path = Path(str(settings.get(key) or "")) / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def load_or_generate(
    size: int,
    seed: int,
    directory: CommuneDirectory,
    settings: dict,
    cache_dir: Path,
    log=lambda message: None,
) -> DataSet:
    folder = cache_dir / f"synthetique-n{size}-graine{seed}-{_fingerprint(settings)}"
    meta_path = folder / "meta.json"
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with (folder / "ressources.pickle").open("rb") as handle:
                resources = pickle.load(handle)
            csv_files = [folder / "csv" / name for name in meta["csv"]]
            if len(resources) == size and all(p.is_file() for p in csv_files):
                log(f"{size} ressources synthétiques lues dans le cache ({folder.name})")
                return DataSet(size, seed, resources, csv_files, True, None, folder)
        except (OSError, ValueError, KeyError, pickle.UnpicklingError, EOFError, AttributeError):
            pass
        log("cache illisible ou incomplet : nouvelle génération")
    log(f"génération de {size} ressources synthétiques (graine {seed})…")
    started = time.perf_counter()
    resources = list(synthetic.generate(size, directory, seed=seed))
    generation_s = round(time.perf_counter() - started, 3)
    log(f"générées en {generation_s:.1f} s ; écriture des CSV par département…")

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "csv").mkdir(parents=True)
    by_departement: dict[str, list[Resource]] = defaultdict(list)
    for resource in resources:
        by_departement[resource.departement].append(resource)
    names = []
    for departement in sorted(by_departement):
        name = f"ressources-{departement}.csv"
        synthetic.write_csv(by_departement[departement], tmp / "csv" / name)
        names.append(name)
    with (tmp / "ressources.pickle").open("wb") as handle:
        pickle.dump(resources, handle, protocol=pickle.HIGHEST_PROTOCOL)
    (tmp / "meta.json").write_text(
        json.dumps(
            {"taille": size, "graine": seed, "generation_s": generation_s, "csv": names},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    # Older versions of the same data set (another generator or model) are dead weight.
    for stale in cache_dir.glob(f"synthetique-n{size}-graine{seed}-*"):
        if stale != folder and stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
    csv_files = [folder / "csv" / name for name in names]
    return DataSet(size, seed, resources, csv_files, False, generation_s, folder)
