"""``countersign reader probe`` against the simulator, a silent port and a missing port."""

import argparse
import json
import time

import pytest

from countersign import cli
from countersign.commands import reader as reader_command
from devices.idcard import ga467
from devices.idcard.simulator import ReaderSimulator, SimulatedCard
from devices.idcard.text_block import ResidentTextFields, encode_resident_text
from devices.pty_pair import PtyPair

HEALTHY_SAM_ID = "05.01-20201203-000012345-123456789"


def _fresh_parser() -> argparse.ArgumentParser:
    """A parser with only the options every subcommand shares, and this module's commands."""
    parser = argparse.ArgumentParser(prog="countersign")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    reader_command.register(commands, common)
    return parser


@pytest.fixture
def run_cli(tmp_path):
    """Run the real ``countersign`` entry point."""

    def run(*argv: str) -> int:
        return cli.main(["--home", str(tmp_path / "home"), *argv])

    return run


def test_simulated_probe_prints_a_healthy_answer_as_json(capsys):
    args = _fresh_parser().parse_args(["reader", "probe", "--simulate", "--json"])
    assert args.handler(args) == 0

    payload = json.loads(capsys.readouterr().out)
    assert payload["sam_id"] == HEALTHY_SAM_ID
    assert payload["sam_status"] == "0x90"
    assert payload["sam_healthy"] is True
    assert payload["card_present"] is False
    assert payload["baudrate"] == 115200


def test_simulated_probe_at_another_baudrate(capsys):
    args = _fresh_parser().parse_args(["reader", "probe", "--simulate", "--baudrate", "57600"])
    assert args.handler(args) == 0
    output = capsys.readouterr().out
    assert "baudrate      57600" in output
    assert f"sam_id        {HEALTHY_SAM_ID}" in output


def test_probe_sees_a_card(tmp_path, run_cli, capsys):
    fields = ResidentTextFields("张伟", "1", "01", "19800101", "北京市东城区", "110101198001010019", "北京市公安局东城分局", "20100101", "20300101")
    with PtyPair(tmp_path) as pair:
        simulator = ReaderSimulator(str(pair.simulator_path), pace=False).start()
        try:
            simulator.present(SimulatedCard(text=encode_resident_text(fields), photo=bytes(1024)))
            status = run_cli("reader", "probe", "--port", str(pair.device_path))
        finally:
            simulator.stop()

    output = capsys.readouterr().out
    assert status == 0
    assert "card_present  yes" in output
    assert simulator.received == ["11 FF", "12 FF", "20 01"]


@pytest.mark.parametrize("fault", [ga467.Status.SAM_SELF_CHECK_FAILED, ga467.Status.UNAUTHORISED])
def test_probe_reports_a_faulty_sam_with_exit_1(tmp_path, run_cli, capsys, fault):
    with PtyPair(tmp_path) as pair:
        simulator = ReaderSimulator(str(pair.simulator_path), pace=False).start()
        try:
            for command in (ga467.SAM_STATUS, ga467.READ_SAM_ID, ga467.FIND_CARD):
                simulator.respond_once(command, fault)
            status = run_cli("reader", "probe", "--port", str(pair.device_path), "--json")
        finally:
            simulator.stop()

    payload = json.loads(capsys.readouterr().out)
    assert status == 1
    assert payload["sam_healthy"] is False
    assert payload["sam_status"] == f"0x{fault:02X}"
    assert payload["sam_id"] is None
    assert payload["card_present"] is None
    assert simulator.received == ["11 FF"]


def test_missing_port_exits_2_with_one_line(tmp_path, run_cli, capsys):
    port = tmp_path / "ttyUSB7"
    assert run_cli("reader", "probe", "--port", str(port)) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"error: cannot open reader port {port}")
    assert captured.err.count("\n") == 1
    assert "Traceback" not in captured.err
    log_text = (tmp_path / "home" / "logs" / "countersign.log").read_text()
    assert f"reader {port}: cannot open the port at 115200 baud" in log_text


def test_silent_reader_exits_2_within_two_seconds(tmp_path, run_cli, capsys):
    with PtyPair(tmp_path) as pair:
        started = time.monotonic()
        status = run_cli("reader", "probe", "--port", str(pair.device_path), "--json")
        elapsed = time.monotonic() - started

    assert status == 2
    payload = json.loads(capsys.readouterr().out)
    assert "timed out" in payload["error"]
    assert elapsed < 2.0


def test_port_or_simulate_is_required(run_cli, capsys):
    assert run_cli("reader", "probe") == 2
    assert capsys.readouterr().err.startswith("error: reader probe needs either --port PORT or --simulate | 错误：")


def test_unsupported_baudrate_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as raised:
        _fresh_parser().parse_args(["reader", "probe", "--simulate", "--baudrate", "14400"])
    assert raised.value.code == 2
    assert "invalid choice: 14400" in capsys.readouterr().err
