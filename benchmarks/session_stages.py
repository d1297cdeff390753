"""Time each stage of the demo rental session on simulated devices.

Usage: python benchmarks/session_stages.py [--runs N] [--faces DIR] [--home DIR]

Provisions a demo branch in a temporary folder (or uses --home), then runs N whole
sessions. Prints a Markdown table of the median, 95th percentile and maximum time of
each step. Three isolated measurements match the targets: the card read on the paced
115200-baud pty link, the face decision on one 640×480 frame, and render plus sealing
without the store.
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

from countersign.config import load_config  # noqa: E402
from countersign.demo_branch import provision_demo_branch, seed_demo_reservation  # noqa: E402
from countersign.runtime import BranchRuntime  # noqa: E402
from devices.signature_pad import SimulatedSignaturePad  # noqa: E402
from kiosk.contracts.render import render_contract  # noqa: E402
from kiosk.contracts.signature_image import render_signature_png  # noqa: E402
from kiosk.identity.face import FaceModel  # noqa: E402
from kiosk.identity.images import bgr_to_rgb, decode_image  # noqa: E402
from kiosk.session import Stage  # noqa: E402


def _timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def _summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def run(home: Path, runs: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        timings.setdefault(name, []).append(seconds)

    model, load_seconds = _timed(FaceModel)
    add("load dlib models (once per kiosk start)", load_seconds)
    pad = SimulatedSignaturePad()

    with BranchRuntime(load_config(home), face_model=model) as runtime:
        services = runtime.services
        for _ in range(runs):
            seed_demo_reservation(services.store, runtime.clock())
            session = runtime.new_session()
            session.start()
            session.give_consent(True, True)
            for name, step in (
                ("session: read document (card read, decode, checks, reservation)", session.read_document),
                ("session: check licence", session.check_licence),
                ("session: capture face (detect + describe live frame)", session.capture_face),
                ("session: verify (card photo + compare + store)", session.verify),
                ("session: prepare contract (draft + contract check)", session.prepare_contract),
            ):
                record, seconds = _timed(step)
                assert record.stage is not Stage.REFUSED, record
                add(name, seconds)
            session.acknowledge(session.clauses_to_acknowledge)
            record, seconds = _timed(lambda: session.sign(pad.capture()))
            assert session.stage is Stage.DONE, record
            add("session: sign (check, render, seal, store)", seconds)

            _, seconds = _timed(services.reader.read_card)
            add("isolated: card read, 115200-baud paced pty", seconds)

            frame = services.camera.read_frame()
            card_rgb = decode_image(session.identity.photo)

            def face_decision():
                live = services.face_matcher.describe_single(bgr_to_rgb(frame))
                card = services.face_matcher.describe_single(card_rgb, upsample=2)
                return services.face_matcher.compare(card, live)

            _, seconds = _timed(face_decision)
            add("isolated: face decision, one 640x480 frame", seconds)

            def render_and_seal():
                rendered = render_contract(session.draft, services.template, services.branch, session.acknowledgements, runtime.clock())
                return services.sealer.seal(rendered, render_signature_png(pad.capture()), reason="benchmark")

            _, seconds = _timed(render_and_seal)
            add("isolated: render + seal contract PDF", seconds)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="whole sessions to run (default: %(default)s)")
    parser.add_argument("--faces", type=Path, default=Path(os.environ.get("COUNTERSIGN_DEMO_FACES", REPOSITORY / "build/fixtures/face_recognition")))
    parser.add_argument("--home", type=Path, help="an existing demo branch folder (default: a new temporary one)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="countersign-bench-") as folder:
        home = args.home
        if home is None:
            home = Path(folder) / "branch"
            provision_demo_branch(home, args.faces)
        timings = run(home, args.runs)

    print(f"Measured {datetime.now():%Y-%m-%d %H:%M}, {args.runs} sessions, Python {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} CPUs ({platform.processor() or 'unknown CPU'})\n")
    print("| step | median ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    for name, samples in timings.items():
        median, p95, maximum = _summary(samples)
        print(f"| {name} | {median * 1000:.0f} | {p95 * 1000:.0f} | {maximum * 1000:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
