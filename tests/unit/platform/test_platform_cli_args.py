import pytest

from webui.cli.main import build_parser, main

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["up", "--port", "99999"], "port 99999 is outside 1-65535"),
        (["up", "--port", "web"], "'web' is not a port number"),
        (["worker", "--queues", "ingest,bogus"], "unknown queue(s) bogus"),
        (["worker", "--concurrency", "0"], "0 must be at least 1"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["--env", "staging", "db", "upgrade"], "invalid choice: 'staging'"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "command", ["up", "web", "worker", "beat", "flower", "db", "create-admin", "sync-roles"]
)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args([command, "--help"])
    assert exc.value.code == 0
    assert "usage: athsys" in capsys.readouterr().out


def test_data_dir_that_is_a_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["--data-dir", str(not_a_dir), "db", "upgrade"]) == 1
    assert "is not a directory" in capsys.readouterr().err
