"""Loopback port helpers: pick a free port (or a run of them), wait until one accepts connections."""

from __future__ import annotations

import os
import random
import socket
import time

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a port the OS just reported free on ``host`` (bind to port 0, then release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port_block(count: int, host: str = LOOPBACK) -> int:
    """The first of ``count`` consecutive free ports, for a stack that numbers its ports from a base.

    Chosen below Linux's ephemeral range (32768 and up), where ``free_port`` and every outgoing
    connection pick theirs, so nothing else on the machine takes one of the run between this call
    and the stack's start; each parallel test worker (``PYTEST_XDIST_WORKER=gwN``) draws from a band
    of its own.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    band = 20000 + (int(worker) % 12) * 1000 if worker.isdigit() else 20000
    for _ in range(100):
        base = band + random.randrange(0, 1000 - count)
        if all(_bindable(host, base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no run of {count} free ports in {band}-{band + 999}")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when a TCP connection to ``host:port`` succeeds right now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, timeout: float = 10.0, interval: float = 0.05) -> None:
    """Block until ``host:port`` accepts a TCP connection; raise ``TimeoutError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        if port_open(host, port, timeout=min(0.5, timeout)):
            return
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{host}:{port} did not accept connections within {timeout:.1f}s")
        time.sleep(interval)


def wait_for_port_closed(host: str, port: int, timeout: float = 10.0, interval: float = 0.05) -> None:
    """Block until ``host:port`` refuses connections; raise ``TimeoutError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while port_open(host, port, timeout=0.2):
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{host}:{port} still accepts connections after {timeout:.1f}s")
        time.sleep(interval)
