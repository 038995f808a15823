import pytest

from athsys.errors import ConfigurationError
from webui.cli.main import build_parser
from webui.cli.timing import check_local_url

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://localhost:8080/",
                                 "https://localhost"])
def test_simulator_talks_to_local_servers(url: str) -> None:
    assert check_local_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://example.org", "http://10.0.0.5:5000",
                                 "ftp://127.0.0.1", "http://127.0.0.1.example.org"])
def test_simulator_refuses_other_hosts(url: str) -> None:
    with pytest.raises(ConfigurationError, match="not a local server"):
        check_local_url(url)


def test_timing_commands_parse(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sample = tmp_path / "heat.lif"
    sample.write_text("1,1,1,100m\r\n")
    parser = build_parser()
    ingest = parser.parse_args(["ingest", str(sample), "--competition", "3"])
    assert (ingest.file, ingest.competition, ingest.device) == (sample, 3, None)
    watch = parser.parse_args(["watch", str(tmp_path), "--competition", "2", "--once"])
    assert (watch.directory, watch.once, watch.interval) == (tmp_path, True, 2.0)
    sim = parser.parse_args(["simulate", "--setup", "--runners", "100", "--rate", "500"])
    assert (sim.runners, sim.rate, sim.url, sim.points[-1]) == (
        100, 500, "http://127.0.0.1:5000", ("finish", 10000))


@pytest.mark.parametrize("argv", [
    ["watch", "/nonexistent-dir", "--competition", "1"],
    ["simulate", "--rate", "0"],
    ["simulate", "--max-seconds", "-1"],
    ["ingest", "/nonexistent-file"],
])
def test_timing_commands_refuse_bad_arguments(argv: list[str], capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        build_parser().parse_args(argv)
    assert "error:" in capsys.readouterr().err
