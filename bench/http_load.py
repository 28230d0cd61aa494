"""HTTP load on loopback: gunicorn serving the API, driven by wrk (or a Python client).

The server is the production one (``gunicorn -c gunicorn.conf.py``) with its settings from
``RELAIS_*`` variables pointing at the benchmark's data; only the anonymous rate limit is
raised, so that the load is not answered with 429s. The load generator replays a fixed list of
requests (searches and commune look-ups, ``bench.mix.http_requests``) over a fixed number of
connections, for a bounded time and a bounded count.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.stats import ROOT, process_memory_mb, summary_ms
from relais import settings as settings_module

RATE_LIMIT_FOR_BENCH = 1_000_000_000
MARKER = "RELAIS_BENCH_JSON "

# wrk script: one connection per thread, so that request() and response() alternate and the
# latency of each request can be attributed to its kind (search or look-up). Timing with
# clock_gettime through LuaJIT's FFI (wrk's own histogram does not separate kinds).
WRK_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } relais_timespec;
int clock_gettime(int clk_id, relais_timespec *tp);
]]
local ts = ffi.new("relais_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local kinds, paths = {}, {}
local pos, started, current = 1, 0, nil
lat_recherche, lat_communes = {}, {}
errors_recherche, errors_communes = 0, 0
local max_requests = tonumber(os.getenv("RELAIS_BENCH_MAX_PER_THREAD") or "0")
local done_count = 0

function init(args)
  for line in io.lines(os.getenv("RELAIS_BENCH_URLS")) do
    local kind, path = line:match("^(%S+)\t(.+)$")
    if kind then
      table.insert(kinds, kind)
      table.insert(paths, path)
    end
  end
  pos = (id * 997) % #paths + 1
end

function request()
  current = kinds[pos]
  local path = paths[pos]
  pos = pos % #paths + 1
  started = now_us()
  return wrk.format("GET", path)
end

function response(status, headers, body)
  local elapsed = now_us() - started
  if current == "communes" then
    table.insert(lat_communes, elapsed)
    if status ~= 200 then errors_communes = errors_communes + 1 end
  else
    table.insert(lat_recherche, elapsed)
    if status ~= 200 then errors_recherche = errors_recherche + 1 end
  end
  done_count = done_count + 1
  if max_requests > 0 and done_count >= max_requests then
    wrk.thread:stop()
  end
end

local function list(values)
  local parts = {}
  for i = 1, #values do parts[i] = string.format("%.1f", values[i]) end
  return "[" .. table.concat(parts, ",") .. "]"
end

function done(summary, latency, requests)
  local out = {}
  for _, thread in ipairs(threads) do
    table.insert(out, string.format(
      '{"recherche":%s,"communes":%s,"erreurs_recherche":%d,"erreurs_communes":%d}',
      list(thread:get("lat_recherche") or {}), list(thread:get("lat_communes") or {}),
      thread:get("errors_recherche") or 0, thread:get("errors_communes") or 0))
  end
  io.write(string.format(
    '%s{"duree_us":%d,"requetes":%d,"octets":%d,"erreurs":{"connexion":%d,"lecture":%d,"ecriture":%d,"statut":%d,"delai":%d},"wrk_p50_us":%.1f,"wrk_p95_us":%.1f,"wrk_p99_us":%.1f,"wrk_max_us":%.1f,"fils":[%s]}\n',
    "RELAIS_BENCH_JSON ", summary.duration, summary.requests, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, table.concat(out, ",")))
end
"""


def gunicorn_setting(name: str) -> str | None:
    """A literal setting of gunicorn.conf.py (for the report: worker_class, threads)."""
    try:
        text = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(rf"^{name}\s*=\s*[\"']?([\w.-]+)", text, re.MULTILINE)
    return found.group(1) if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk(log) -> str | None:
    """The path of wrk, installing Debian's package when we are root; None otherwise."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        log("wrk absent (et installation impossible ici) : client Python de repli")
        return None
    log("wrk absent : installation du paquet Debian « wrk » (apt-get install -y wrk)…")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt, "install", "-y", "-qq", "wrk"], [apt, "update", "-qq"]):
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=False, timeout=600)
        if shutil.which("wrk"):
            break
    else:
        subprocess.run(
            [apt, "install", "-y", "-qq", "wrk"],
            env=env,
            stdout=subprocess.DEVNULL,
            check=False,
            timeout=600,
        )
    found = shutil.which("wrk")
    if not found:
        log("installation de wrk impossible : client Python de repli")
    return found


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    workers: int
    log_path: Path
    env: dict = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            return [int(p) for p in children.read_text().split()]
        except (OSError, ValueError):
            return []

    def memory(self) -> dict:
        workers = [process_memory_mb(pid) for pid in self.worker_pids()]
        return {
            "maitre": process_memory_mb(self.process.pid),
            "workers": [w for w in workers if w],
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(
    data_dir: Path,
    engine: str,
    es_settings: dict | None,
    es_index: str | None,
    log_path: Path,
    workers: int | None = None,
    timeout_s: float = 90.0,
) -> Server:
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(settings_module.PREFIX)
    }
    env.update(
        {
            "RELAIS_DATA_DIR": str(data_dir),
            "RELAIS_SEARCH_ENGINE": engine,
            "RELAIS_BIND": f"127.0.0.1:{port}",
            "RELAIS_ANONYMOUS_ACCESS": "true",
            "RELAIS_ANONYMOUS_RATE_LIMIT": str(RATE_LIMIT_FOR_BENCH),
            "RELAIS_GEOCODER": "offline",
            # gunicorn refuses the development secret: a fresh one per bench server.
            "RELAIS_SECRET_KEY": secrets.token_hex(32),
        }
    )
    for key in ("COMMUNES_CSV", "DECOUPAGE_DIR"):
        if os.environ.get(settings_module.PREFIX + key):
            env[settings_module.PREFIX + key] = os.environ[settings_module.PREFIX + key]
    if engine == "elasticsearch":
        for key, value in (es_settings or {}).items():
            env[settings_module.PREFIX + key] = value
        env["RELAIS_ES_INDEX"] = es_index or ""
    if workers:
        env["RELAIS_WORKERS"] = str(workers)
    effective_workers = settings_module.load(environ=env)["WORKERS"]
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "-c", "gunicorn.conf.py"]
    log_handle = log_path.open("ab")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log_handle, stderr=log_handle, start_new_session=True
    )
    log_handle.close()
    server = Server(process, port, effective_workers, log_path, env)
    deadline = time.monotonic() + timeout_s
    last_error = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.base_url + "/api/v1/health", timeout=10) as answer:
                # Every worker has to be up (post_worker_init loads the communes).
                if answer.status == 200 and len(server.worker_pids()) >= effective_workers:
                    return server
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.3)
    server.stop()
    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise RuntimeError(
        f"gunicorn n'a pas répondu sur /api/v1/health ({last_error}) ; journal :\n{tail}"
    )


def prime(base_url: str, requests: list[tuple[str, str]], workers: int) -> float:
    """Send a few searches over 2 connections per worker and wait for every answer, so that
    each worker has loaded its in-memory index before the timed runs. Returns the seconds."""
    searches = [path for kind, path in requests if kind == "recherche"][: 6 * workers]
    started = time.perf_counter()

    def fetch(paths: list[str]) -> None:
        for path in paths:
            with contextlib.suppress(OSError, urllib.error.URLError):
                urllib.request.urlopen(base_url + path, timeout=300).read()

    threads = [
        threading.Thread(target=fetch, args=(searches[i :: 2 * workers],))
        for i in range(2 * workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(time.perf_counter() - started, 2)


def _summarise(latencies_us: list[float]) -> dict | None:
    """wrk reports microseconds; the report speaks milliseconds like every other figure."""
    return summary_ms([v / 1_000_000.0 for v in latencies_us]) if latencies_us else None


def run_wrk(
    wrk: str,
    base_url: str,
    requests: list[tuple[str, str]],
    work_dir: Path,
    connections: int,
    duration_s: float,
    max_requests: int,
) -> dict:
    urls = work_dir / "requetes.tsv"
    urls.write_text("".join(f"{kind}\t{path}\n" for kind, path in requests), encoding="utf-8")
    script = work_dir / "melange.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    env = {
        **os.environ,
        "RELAIS_BENCH_URLS": str(urls),
        "RELAIS_BENCH_MAX_PER_THREAD": str(max(1, max_requests // connections)),
    }
    command = [
        wrk,
        f"-t{connections}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base_url,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration_s + 120, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk a échoué (code {done.returncode}) : {done.stderr[-1500:]}")
    raw = json.loads(line[len(MARKER) :])
    by_kind: dict[str, list[float]] = {"recherche": [], "communes": []}
    errors = {"recherche": 0, "communes": 0}
    for thread in raw["fils"]:
        for kind in by_kind:
            by_kind[kind].extend(thread[kind])
            errors[kind] += thread[f"erreurs_{kind}"]
    duration = raw["duree_us"] / 1e6
    return {
        "client": "wrk",
        "duree_s": round(duration, 3),
        "requetes": raw["requetes"],
        "requetes_par_s": round(raw["requetes"] / duration, 1) if duration else 0.0,
        "erreurs_reseau": raw["erreurs"],
        "latences_us_par_type": by_kind,
        "erreurs_http_par_type": errors,
        # wrk's own histogram, after its coordinated-omission correction (it adds the samples
        # a constant-rate client would have seen behind each slow answer): higher tails than
        # the latencies measured request by request, which are the figures of the report.
        "wrk_latence_corrigee_ms": {
            "p50": round(raw["wrk_p50_us"] / 1000, 3),
            "p95": round(raw["wrk_p95_us"] / 1000, 3),
            "p99": round(raw["wrk_p99_us"] / 1000, 3),
            "max": round(raw["wrk_max_us"] / 1000, 3),
        },
    }


def run_python_client(
    base_url: str,
    requests: list[tuple[str, str]],
    connections: int,
    duration_s: float,
    max_requests: int,
) -> dict:
    """Fallback load generator: one thread per connection, http.client with keep-alive
    (reconnecting when the server closes). It shares the CPU and the GIL, so it measures
    lower throughputs than wrk would."""
    host, port = base_url.removeprefix("http://").split(":")
    deadline = time.perf_counter() + duration_s
    lock = threading.Lock()
    by_kind: dict[str, list[float]] = {"recherche": [], "communes": []}
    errors = {"recherche": 0, "communes": 0}
    network_errors = [0]
    count = [0]

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        position = (offset * 997) % len(requests)
        while time.perf_counter() < deadline:
            with lock:
                if count[0] >= max_requests:
                    break
                count[0] += 1
            kind, path = requests[position]
            position = (position + 1) % len(requests)
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                answer = conn.getresponse()
                answer.read()
                status = answer.status
                if answer.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                with lock:
                    network_errors[0] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1e6
            with lock:
                by_kind[kind].append(elapsed)
                if status != 200:
                    errors[kind] += 1
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.perf_counter() - started
    total = sum(len(v) for v in by_kind.values())
    return {
        "client": "python",
        "duree_s": round(duration, 3),
        "requetes": total,
        "requetes_par_s": round(total / duration, 1) if duration else 0.0,
        "erreurs_reseau": {"total": network_errors[0]},
        "latences_us_par_type": by_kind,
        "erreurs_http_par_type": errors,
    }


def load_run(
    base_url: str,
    requests: list[tuple[str, str]],
    work_dir: Path,
    connections: int,
    duration_s: float,
    max_requests: int,
    wrk: str | None,
) -> dict:
    """One bounded run; latencies summarised in ms for the mix and per kind of request."""
    if wrk:
        raw = run_wrk(wrk, base_url, requests, work_dir, connections, duration_s, max_requests)
    else:
        raw = run_python_client(base_url, requests, connections, duration_s, max_requests)
    by_kind = raw.pop("latences_us_par_type")
    everything = by_kind["recherche"] + by_kind["communes"]
    raw["latence_ms"] = _summarise(everything)
    raw["par_type"] = {
        kind: {
            "latence_ms": _summarise(values),
            "requetes_par_s": round(len(values) / raw["duree_s"], 1) if raw["duree_s"] else 0.0,
            "erreurs_http": raw["erreurs_http_par_type"][kind],
        }
        for kind, values in by_kind.items()
    }
    raw.pop("erreurs_http_par_type")
    return raw
