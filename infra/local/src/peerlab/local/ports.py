"""Loopback port helpers: pick a free port, wait until one accepts connections."""

from __future__ import annotations

import socket
import time

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """Return a port the OS just reported free on ``host`` (bind to port 0, then release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


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
