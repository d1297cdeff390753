"""Time a full card read (find, select, read) with the GA 467 driver on a paced simulated link.

Usage: python benchmarks/card_read.py [--runs N] [--baudrate RATE] [--fingerprint]

The simulator writes at the speed the baud rate allows (ten bits a byte) on one end of a
socat pty pair, and the real serial driver reads the other end. Prints the median, 95th
percentile and maximum of N reads, with the time the bytes alone need on the line.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from devices.idcard import ga467  # noqa: E402
from devices.idcard.serial_reader import SerialIdCardReader  # noqa: E402
from devices.idcard.simulator import ReaderSimulator, SimulatedCard  # noqa: E402
from devices.pty_pair import PtyPair  # noqa: E402

# The kiosk's target for a full card read on the usual reader setting.
TARGET_SECONDS = 1.0
TARGET_BAUDRATE = 115200


def line_seconds(card: SimulatedCard, baudrate: int, with_fingerprint: bool) -> float:
    """Return how long the requests and responses of one read take on the line alone."""
    fingerprint = (card.fingerprint or b"") if with_fingerprint else None
    read = ga467.READ_BASE_INFO_WITH_FINGERPRINT if with_fingerprint else ga467.READ_BASE_INFO
    frames = [
        ga467.encode_request(ga467.FIND_CARD),
        ga467.encode_response(ga467.Status.FIND_CARD_SUCCESS, bytes(4)),
        ga467.encode_request(ga467.SELECT_CARD),
        ga467.encode_response(ga467.Status.SUCCESS, bytes(8)),
        ga467.encode_request(read),
        ga467.encode_response(
            ga467.Status.SUCCESS, ga467.encode_base_info(ga467.BaseInfo(card.text, card.photo, fingerprint))
        ),
    ]
    return sum(len(frame) for frame in frames) * 10 / baudrate


def run(runs: int, baudrate: int, with_fingerprint: bool) -> list[float]:
    card = SimulatedCard(text=bytes(256), photo=bytes(1024), fingerprint=bytes(1024) if with_fingerprint else None)
    samples = []
    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as folder, PtyPair(Path(folder)) as pair:
        simulator = ReaderSimulator(str(pair.simulator_path), baudrate, pace=True).start()
        reader = SerialIdCardReader(str(pair.device_path), baudrate, with_fingerprint=with_fingerprint)
        try:
            simulator.present(card)
            reader.read_card()  # opens the port; not timed
            for _ in range(runs):
                start = time.perf_counter()
                reader.read_card()
                samples.append(time.perf_counter() - start)
        finally:
            reader.close()
            simulator.stop()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="card reads to time (default: %(default)s)")
    parser.add_argument("--baudrate", type=int, default=115200, choices=sorted(ga467.BAUDRATE_PARAMETERS), help="line speed in bits per second (default: %(default)s)")
    parser.add_argument("--fingerprint", action="store_true", help="read with fingerprint data (30 10) instead of 30 01")
    args = parser.parse_args()

    samples = sorted(run(args.runs, args.baudrate, args.fingerprint))
    card = SimulatedCard(text=bytes(256), photo=bytes(1024), fingerprint=bytes(1024) if args.fingerprint else None)
    transfer = line_seconds(card, args.baudrate, args.fingerprint)
    median = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]

    print(f"Measured {datetime.now():%Y-%m-%d %H:%M}, {args.runs} reads, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs ({platform.processor() or 'unknown CPU'})\n")
    print(f"| full card read, {args.baudrate} baud{' with fingerprints' if args.fingerprint else ''} | ms |")
    print("| --- | ---: |")
    print(f"| bytes on the line alone (10 bits a byte) | {transfer * 1000:.0f} |")
    print(f"| median | {median * 1000:.0f} |")
    print(f"| 95th percentile | {p95 * 1000:.0f} |")
    print(f"| maximum | {samples[-1] * 1000:.0f} |")
    if args.baudrate != TARGET_BAUDRATE:
        return 0
    met = samples[-1] < TARGET_SECONDS
    print(f"\nTarget at {TARGET_BAUDRATE} baud: under {TARGET_SECONDS * 1000:.0f} ms: {'met' if met else 'NOT MET'} by the maximum.")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
