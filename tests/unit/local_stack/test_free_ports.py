"""Ports chosen for test stacks lie below the kernel's ephemeral range, where no outgoing
connection (an engine's own, say) can take them between the choosing and the binding."""

import socket
from pathlib import Path

import pytest

from local_stack import engines


def test_a_free_port_lies_below_the_ephemeral_range_and_can_be_bound() -> None:
    floor = engines.ephemeral_port_floor()
    for _ in range(20):
        port = engines.free_port()
        assert 10_000 <= port < floor
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
            listener.bind(("127.0.0.1", port))


def test_a_free_port_respects_a_lower_ceiling() -> None:
    ceiling = 12_000
    assert all(engines.free_port(below=ceiling) < ceiling for _ in range(20))


def test_the_ephemeral_floor_is_read_from_the_kernel_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting = tmp_path / "ip_local_port_range"
    setting.write_text("40000\t60999\n")
    monkeypatch.setattr(engines, "_EPHEMERAL_RANGE_FILE", setting)
    assert engines.ephemeral_port_floor() == 40_000
    setting.write_text("")
    assert engines.ephemeral_port_floor() == 32_768  # unreadable: Linux's default


def test_a_kernel_whose_ephemeral_range_starts_low_gets_ports_of_a_band_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting = tmp_path / "ip_local_port_range"
    setting.write_text("1024\t65535\n")  # a common tuning: every port is ephemeral
    monkeypatch.setattr(engines, "_EPHEMERAL_RANGE_FILE", setting)
    assert all(10_000 <= engines.free_port() < 20_000 for _ in range(20))
    for _ in range(20):  # SeaweedFS's gRPC ports (port + 10,000) stay real ports, all different
        weed = engines.WeedPorts.all_free()
        ports = [port for _, port in weed.named()]
        assert max(ports) < 65_536 and len(set(ports)) == len(ports)


def test_ports_chosen_together_are_all_different() -> None:
    for _ in range(50):
        ports = engines.free_ports(4)
        assert len(set(ports)) == 4
    taken = engines.free_ports(3)
    assert all(engines.free_port(taken=taken) not in taken for _ in range(50))


def test_seaweedfs_ports_and_their_grpc_ports_all_lie_below_the_ephemeral_range() -> None:
    weed = engines.WeedPorts.all_free()
    floor = engines.ephemeral_port_floor()
    assert all(port < floor for _, port in weed.named())
    assert len({port for _, port in weed.named()}) == len(weed.named())
