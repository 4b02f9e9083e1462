"""vz's input checks and its CTID.conf format: no root, no kernel objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtimes.kernel.cgroups import CgroupV2
from runtimes.openvz import config as conf
from runtimes.openvz import resources
from runtimes.openvz.errors import BadInput


@pytest.mark.parametrize("text, value", [("101", 101), ("1", 1), ("2147483647", 2**31 - 1)])
def test_ctids_are_positive_integers(text: str, value: int) -> None:
    assert conf.parse_ctid(text) == value


@pytest.mark.parametrize("text", ["0", "-1", "abc", "101a", "0101", "2147483648", "", "1e3"])
def test_bad_ctids_are_refused(text: str) -> None:
    with pytest.raises(BadInput, match="invalid CTID"):
        conf.parse_ctid(text)


@pytest.mark.parametrize("text, value", [("512M", 512 * 2**20), ("1G", 2**30), ("64k", 64 * 2**10), ("2T", 2 * 2**40)])
def test_sizes_need_a_unit(text: str, value: int) -> None:
    assert conf.parse_size(text) == value
    assert conf.parse_size(conf.format_size(value)) == value


@pytest.mark.parametrize("text", ["1", "1.5G", "G", "-1G", "1GB", "1 G", "0M"])
def test_bad_sizes_are_refused(text: str) -> None:
    with pytest.raises(BadInput, match="invalid size"):
        conf.parse_size(text)


def test_a_size_below_the_minimum_is_refused() -> None:
    with pytest.raises(BadInput, match="the minimum is 32M"):
        conf.parse_size("16M", "--diskspace", conf.MIN_DISKSPACE)


@pytest.mark.parametrize("text", ["10.213.0.101", "10.213.200.7"])
def test_ct_addresses_come_from_the_private_range(text: str) -> None:
    assert conf.parse_ip(text) == text


@pytest.mark.parametrize("text", ["8.8.8.8", "10.214.0.1", "10.213.255.254", "10.213.0.0", "10.213.255.255",
                                  "fe80::1", "10.213.0.300", "web"])
def test_other_addresses_are_refused(text: str) -> None:
    with pytest.raises(BadInput, match="invalid IP address"):
        conf.parse_ip(text)


@pytest.mark.parametrize("text", ["web1", "ct-101.example.org", "a"])
def test_hostnames(text: str) -> None:
    assert conf.parse_hostname(text) == text


@pytest.mark.parametrize("text", ["-web", "web_1", "a" * 65, "web..org", "", "web 1", "$(reboot)"])
def test_bad_hostnames_are_refused(text: str) -> None:
    with pytest.raises(BadInput, match="invalid hostname"):
        conf.parse_hostname(text)


def test_config_round_trip(tmp_path: Path) -> None:
    config = conf.CTConfig(ctid=101, diskspace=512 * 2**20, hostname="web1", ips=("10.213.0.101", "10.213.0.102"),
                           ram=256 * 2**20, numproc=64, cpus=1.5, cpuunits=500, description="a web server")
    path = tmp_path / "101.conf"
    conf.save(path, config)
    text = path.read_text()
    assert 'DISKSPACE="512M"' in text and 'IP_ADDRESS="10.213.0.101 10.213.0.102"' in text and 'CPUS="1.5"' in text
    assert conf.load(path, 101) == config


@pytest.mark.parametrize("line, message", [
    ('RAM="1"', "line 2: invalid RAM"),
    ('RAM=1G', 'expected KEY="value"'),
    ('HOSTNAME="$(reboot)"', 'expected KEY="value"'),
    ('HOSTNAME="`reboot`"', 'expected KEY="value"'),
    ('SWAPPAGES="1G"', "unknown key SWAPPAGES"),
    ('IP_ADDRESS="8.8.8.8"', "line 2: invalid IP address"),
])
def test_a_bad_config_line_is_one_error_naming_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "101.conf"
    path.write_text(f"# comment\n{line}\n")
    with pytest.raises(BadInput, match=message) as err:
        conf.load(path, 101)
    assert str(path) in str(err.value)


def test_cpuunits_map_to_the_kernels_default_share_at_1000(tmp_path: Path) -> None:
    group = CgroupV2("101", root=tmp_path, parent="vz")
    group.path.mkdir(parents=True)
    resources.write_cpuunits(group, 1000)
    assert (group.path / "cpu.weight").read_text() == "100"  # cgroup v2's default weight
    resources.write_cpuunits(group, 250)
    assert (group.path / "cpu.weight").read_text() == "25"
    assert group.path == tmp_path / "vz" / "101"
