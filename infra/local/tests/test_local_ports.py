import socket

import pytest
from peerlab.local.ports import (
    free_port,
    port_open,
    wait_for_port,
    wait_for_port_closed,
)


def test_free_port_can_be_bound_and_waited_for():
    port = free_port()
    assert not port_open("127.0.0.1", port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        wait_for_port("127.0.0.1", port, timeout=2)
        assert port_open("127.0.0.1", port)
    wait_for_port_closed("127.0.0.1", port, timeout=2)


def test_wait_for_port_gives_up_after_its_timeout():
    with pytest.raises(TimeoutError):
        wait_for_port("127.0.0.1", free_port(), timeout=0.3)
