"""Time a full passport chip read with BAC through pcscd, and the checks on what it read.

Usage: python benchmarks/passport_read.py [--runs N] [--faces DIR]

Starts a private pcscd with the vpcd driver, as the chip tests do. Puts an emulated
passport with DG1 and a DG2 face of about 20 KB (JPEG) in the reader. Reads it N times
with the PC/SC driver: connect, EF.CardAccess, SELECT and BAC, then EF.COM, DG1, DG2
and EF.SOD under secure messaging. The read is timed from the card being present,
so pcscd's 0.4 s insertion polling is left out. The emulated chip answers over
loopback at once, so the figures measure the software path (driver, pcscd, vpcd),
not the radio link of a real contactless reader.
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from datetime import datetime as clock
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

# libpcsclite reads PCSCLITE_CSOCK_NAME at the first PC/SC call: point it at the private daemon first.
from tests.passport_chip.pcscd import FIRST_SLOT, PrivatePcscd, private_socket_path  # noqa: E402

SOCKET_PATH = private_socket_path()

from smartcard import scard  # noqa: E402

from devices.passport.pcsc_reader import PcscPassportReader  # noqa: E402
from kiosk.identity.mrz import parse_mrz  # noqa: E402
from kiosk.identity.passport.csca import CscaStore  # noqa: E402
from kiosk.identity.passport.verification import verify_passport_chip  # noqa: E402
from tests.passport_chip import documents  # noqa: E402
from tests.passport_chip.emulator import ChipProfile, PassportChip, VpcdCard  # noqa: E402

HOLDER_MRZ = documents.td3_mrz("OBAMA", "BARACK HUSSEIN", "X4RT7M2Q1", "UTO", "610804", "M", "320115", "ZE184226B")


class _PlaybackReader:
    """Returns one chip read again, so the checks can be timed without the chip."""

    def __init__(self, chip_read):
        self.chip_read = chip_read

    def read_chip(self, mrz_information):
        return self.chip_read

    def close(self):
        pass


def _wait_for_state(wanted: int, timeout: float = 5.0) -> None:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    try:
        deadline = time.monotonic() + timeout
        state = scard.SCARD_STATE_UNAWARE
        while time.monotonic() < deadline:
            hresult, states = scard.SCardGetStatusChange(context, 200, [(FIRST_SLOT, state)])
            if hresult == scard.SCARD_S_SUCCESS:
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                if state & wanted:
                    return
        raise RuntimeError(f"reader {FIRST_SLOT} did not reach state {wanted:#x} within {timeout} s")
    finally:
        scard.SCardReleaseContext(context)


def _summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def run(faces: Path, runs: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    csca = documents.make_csca()
    passport = documents.make_passport(HOLDER_MRZ, faces / "obama.jpg", documents.make_document_signer(csca))
    store = CscaStore((csca.certificate,))
    printed = parse_mrz(passport.mrz)
    timings: dict[str, list[float]] = {"read": [], "checks": []}
    sizes = {name: len(passport.files[file_id]) for name, file_id in (("DG1", 0x0101), ("DG2", 0x0102), ("EF.SOD", 0x011D))}

    with PrivatePcscd(SOCKET_PATH) as daemon:
        reader = PcscPassportReader(FIRST_SLOT)
        try:
            for _ in range(runs):
                profile = ChipProfile(passport.mrz_information, dict(passport.files))
                card = VpcdCard(daemon.port, PassportChip(profile)).insert()
                _wait_for_state(scard.SCARD_STATE_PRESENT)

                started = time.perf_counter()
                chip_read = reader.read_chip(passport.mrz_information)
                timings["read"].append(time.perf_counter() - started)
                sizes["APDUs"] = len(profile.commands_seen)

                started = time.perf_counter()
                result = verify_passport_chip(_PlaybackReader(chip_read), printed, store, datetime.datetime.now(datetime.timezone.utc))
                timings["checks"].append(time.perf_counter() - started)
                assert result.passed, [check.to_json() for check in result.checks if not check.passed]

                card.remove()
                _wait_for_state(scard.SCARD_STATE_EMPTY)
        finally:
            reader.close()
    return timings, sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="chip reads to time (default: %(default)s)")
    parser.add_argument(
        "--faces",
        type=Path,
        default=Path(os.environ.get("COUNTERSIGN_DEMO_FACES", REPOSITORY / "build/fixtures/face_recognition")),
        help="folder of the face photographs; obama.jpg becomes the DG2 face",
    )
    args = parser.parse_args()

    timings, sizes = run(args.faces, args.runs)

    print(
        f"Measured {clock.now():%Y-%m-%d %H:%M}, {args.runs} reads, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs ({platform.processor() or 'unknown CPU'}); "
        f"DG1 {sizes['DG1']} B, DG2 {sizes['DG2']} B (JPEG), EF.SOD {sizes['EF.SOD']} B, {sizes['APDUs']} APDUs per read\n"
    )
    print("| step | median ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    labels = {
        "read": "chip read through pcscd: BAC, EF.COM, DG1, DG2, EF.SOD",
        "checks": "DG1 + DG2 parse, passive authentication, face decode",
    }
    for name, label in labels.items():
        median, p95, maximum = _summary(timings[name])
        print(f"| {label} | {median * 1000:.0f} | {p95 * 1000:.0f} | {maximum * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
