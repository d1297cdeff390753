"""``countersign reader probe``: ask a GA 467 reader for its SAM ID, SAM status and card."""

import argparse
import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from devices.idcard import ga467
from devices.idcard.serial_reader import SerialIdCardReader
from devices.idcard.simulator import ReaderSimulator
from devices.pty_pair import PtyPair
from kiosk.errors import ConfigError

log = logging.getLogger(__name__)

# A probe waits less than the kiosk does, so that a silent port is reported in about a second.
PROBE_COMMAND_TIMEOUT = 0.5
PROBE_RETRIES = 1

# Loggers whose warnings (each retry, each reopen) would crowd the one error line that
# the probe prints. Without -v their records go to the log file only.
DEVICE_LOGGERS = ("devices.idcard.serial_reader", "devices.idcard.framing", "devices.idcard.simulator", "devices.pty_pair")


def register(commands, common: argparse.ArgumentParser) -> None:
    reader_parser = commands.add_parser("reader", parents=[common], help="ID-card reader diagnostics")
    reader_commands = reader_parser.add_subparsers(dest="reader_command", required=True)
    probe = reader_commands.add_parser(
        "probe",
        parents=[common],
        help="print the SAM ID, the SAM status and whether a card is on a GA 467 reader",
    )
    probe.add_argument("--port", help="serial port of the reader, such as /dev/ttyUSB0 or COM3")
    probe.add_argument(
        "--baudrate",
        type=int,
        choices=sorted(ga467.BAUDRATE_PARAMETERS, reverse=True),
        default=115200,
        help="line speed in bits per second that the reader is set to (default: %(default)s)",
    )
    probe.add_argument(
        "--simulate",
        action="store_true",
        help="probe the built-in reader simulator on a socat pty pair instead of --port, to show the output of a healthy reader",
    )
    probe.set_defaults(handler=command_reader_probe)


def command_reader_probe(args: argparse.Namespace) -> int:
    """Print the reader's SAM ID, SAM status and card presence; return 0 when the SAM is healthy, else 1.

    Raises :class:`ConfigError` when neither or both of ``--port`` and ``--simulate``
    are given, and a :class:`devices.errors.ReaderError` subclass when the port cannot
    be opened or the reader does not respond. The command line prints it on one line
    and exits with 2.
    """
    if bool(args.port) == bool(args.simulate):
        raise ConfigError("reader probe needs either --port PORT or --simulate")

    with ExitStack() as stack:
        if not getattr(args, "verbose", False):
            stack.enter_context(_device_records_off_terminal())
        port = args.port or _start_simulator(stack, args.baudrate)
        reader = SerialIdCardReader(port, args.baudrate, command_timeout=PROBE_COMMAND_TIMEOUT, retries=PROBE_RETRIES)
        stack.callback(reader.close)

        # Ask for the status first: a SAM that failed its self-check returns the same fault
        # for every other command, and the probe should still report it.
        status = reader.sam_status()
        sam_healthy = status.sw3 == ga467.Status.SUCCESS
        sam_id = ga467.format_sam_id(reader.read_sam_id()) if sam_healthy else None
        # NOTE: many SAMs return "no card" to find for a card they have just read, until
        # it is lifted and placed again.
        card_present = reader.find_card() if sam_healthy else None

    log.info("reader probe %s at %d baud: SAM %s, status %s, card %s", port, args.baudrate, sam_id, ga467.describe_status(status.sw3), "present" if card_present else "absent")
    payload = {
        "port": "simulated" if args.simulate else port,
        "baudrate": args.baudrate,
        "sam_id": sam_id,
        "sam_status": f"0x{status.sw3:02X}",
        "sam_status_name": status.status_name,
        "sam_healthy": sam_healthy,
        "card_present": card_present,
    }
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(f"port          {payload['port']}")
        print(f"baudrate      {payload['baudrate']}")
        print(f"sam_id        {sam_id or '-'}")
        print(f"sam_status    {ga467.describe_status(status.sw3)}")
        print(f"card_present  {'-' if card_present is None else 'yes' if card_present else 'no'}")
    return 0 if payload["sam_healthy"] else 1


def _start_simulator(stack: ExitStack, baudrate: int) -> str:
    """Start the reader simulator on a socat pty pair that ``stack`` stops; return the driver's end."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="countersign-probe-")))
    pair = stack.enter_context(PtyPair(folder))
    simulator = ReaderSimulator(str(pair.simulator_path), baudrate).start()
    stack.callback(simulator.stop)
    return str(pair.device_path)


@contextmanager
def _device_records_off_terminal() -> Iterator[None]:
    """Mark the driver's records ``console=False``, which the command line's terminal handler skips."""

    def mark(record: logging.LogRecord) -> bool:
        record.console = False
        return True

    loggers = [logging.getLogger(name) for name in DEVICE_LOGGERS]
    for logger in loggers:
        logger.addFilter(mark)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(mark)
