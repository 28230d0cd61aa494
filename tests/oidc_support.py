"""A real OpenID Connect provider process on loopback (PyPI ``oidc-provider-mock``)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_provider() -> tuple[subprocess.Popen, str]:
    """Start the provider (nonce required); return the process and its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/.well-known/openid-configuration", timeout=1).ok:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
        if process.poll() is not None:
            break
    process.kill()
    _, err = process.communicate()
    pytest.fail(f"Le fournisseur OpenID Connect n'a pas démarré :\n{err.decode()[-2000:]}")


def stop_provider(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr:
        process.stderr.close()


def set_identity(base: str, sub: str, claims: dict) -> None:
    """Give the provider the claims of ``sub`` (the mock's own user API)."""
    requests.put(f"{base}/users/{sub}", json=claims, timeout=5).raise_for_status()


def proconnect_settings(base: str) -> dict:
    return {
        "PROCONNECT_DISCOVERY_URL": f"{base}/.well-known/openid-configuration",
        "PROCONNECT_CLIENT_ID": "relais-test",
        "PROCONNECT_CLIENT_SECRET": "secret-de-test",
    }
