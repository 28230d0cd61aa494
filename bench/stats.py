"""Small measurement helpers: percentiles, targets, memory and machine description."""

from __future__ import annotations

import os
import platform
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) of already sorted values, linear interpolation between
    closest ranks (numpy's default method)."""
    if not sorted_values:
        raise ValueError("aucune mesure")
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    rank = (len(sorted_values) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low))


def summary_ms(durations_s: Sequence[float]) -> dict:
    """p50/p95/p99/max/mean of durations given in seconds, in milliseconds (3 decimals)."""
    values = sorted(d * 1000.0 for d in durations_s)
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 3),
        "p95": round(percentile(values, 95), 3),
        "p99": round(percentile(values, 99), 3),
        "max": round(values[-1], 3),
        "moyenne": round(sum(values) / len(values), 3),
    }


def target(value: float, goal: float, direction: str) -> dict:
    """A measured figure next to its target. ``direction`` is "<=" (at most) or ">=" (at
    least). Nothing is rounded in the comparison."""
    met = value <= goal if direction == "<=" else value >= goal
    return {"valeur": value, "cible": f"{direction} {goal:g}", "atteinte": bool(met)}


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MiB (getrusage: KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def process_memory_mb(pid: int) -> dict | None:
    """Current and peak resident memory of another process (from /proc), in MiB."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    found = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024.0, 1)
    if not found:
        return None
    return {"rss_mo": found.get("VmRSS"), "rss_pic_mo": found.get("VmHWM")}


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _memory_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return None
    return head.stdout.strip() + ("+modifications" if dirty.stdout.strip() else "")


def machine_info() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu": os.cpu_count(),
        "cpu_utilisables": usable,
        "processeur": _cpu_model(),
        "memoire_gio": _memory_total_gib(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "plateforme": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "commit": _git_commit(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "charge_au_debut": load_average(),
    }
