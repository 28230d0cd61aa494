"""A local Elasticsearch node for the benchmark, through ``scripts/elasticsearch``."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from bench.stats import ROOT, process_memory_mb

SCRIPT = ROOT / "scripts" / "elasticsearch"
INDEX_PREFIX = "relais-bench-"


class NodeError(RuntimeError):
    pass


@dataclass
class Node:
    port: int
    settings: dict  # ES_URL, ES_USER, ES_PASSWORD (without the RELAIS_ prefix)
    started_here: bool

    @property
    def pid(self) -> int | None:
        path = ROOT / ".cache" / "elasticsearch" / f"run-{self.port}" / "elasticsearch.pid"
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            return None

    def memory(self) -> dict | None:
        pid = self.pid
        return process_memory_mb(pid) if pid else None

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", "--port", str(self.port)], timeout=180, check=False)


def start(port: int) -> Node:
    """Start (or reuse) a node on 127.0.0.1:``port``; its messages go to our stderr."""
    running = (
        subprocess.run(
            [str(SCRIPT), "status", "--port", str(port)], capture_output=True, timeout=60
        ).returncode
        == 0
    )
    done = subprocess.run(
        [str(SCRIPT), "start", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise NodeError(
            f"scripts/elasticsearch start --port {port} a échoué (code {done.returncode})"
        )
    values = {}
    for line in done.stdout.splitlines():
        if line.startswith("RELAIS_") and "=" in line:
            key, value = line.split("=", 1)
            values[key.removeprefix("RELAIS_")] = value
    values.pop("SEARCH_ENGINE", None)
    return Node(port=port, settings=values, started_here=not running)


def client(node: Node):
    from elasticsearch import Elasticsearch

    return Elasticsearch(
        node.settings["ES_URL"],
        basic_auth=(node.settings.get("ES_USER", ""), node.settings.get("ES_PASSWORD", "")),
        request_timeout=60,
    )


def describe(node: Node) -> dict:
    """Version, JVM and heap of the node (``GET /`` is not served by this distribution)."""
    info = client(node).nodes.info(node_id="_local", metric="jvm")
    local = next(iter(info["nodes"].values()))
    return {
        "elasticsearch": local["version"],
        "elasticsearch_jvm": local["jvm"]["version"],
        "elasticsearch_tas_mo": round(local["jvm"]["mem"]["heap_max_in_bytes"] / 1024 / 1024),
        "elasticsearch_port": node.port,
    }


def drop_bench_indices(client) -> list[str]:
    """Delete the indices earlier benchmark runs left on this node."""
    found = sorted(client.indices.get(index=f"{INDEX_PREFIX}*", allow_no_indices=True))
    for name in found:
        client.indices.delete(index=name, ignore_unavailable=True)
    return found
