"""Measure event-loop stalls of the kiosk window during whole demo rentals.

Usage: python benchmarks/ui_latency.py [--sessions N] [--faces DIR] [--home DIR]

Drives N rentals through the window offscreen (kiosk.ui.demo_driver) while a 10 ms
QTimer records how late each tick arrives. A tick later than its interval means the
GUI thread was busy: a stall. Every stall is attributed to the step the driver was
in. Prints the median, 99th percentile and maximum lateness, once for the rentals and
once for the start-up before the first customer. Then it lists the stalls over 50 ms
with their step. The window's shutdown after the last rental is not measured.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from countersign.config import load_config  # noqa: E402
from countersign.demo_branch import provision_demo_branch  # noqa: E402
from countersign.runtime import BranchRuntime  # noqa: E402
from kiosk.ui.app import build_window, demo_preparation  # noqa: E402
from kiosk.ui.demo_driver import DemoDriver  # noqa: E402
from kiosk.ui.qt import QApplication, Qt, QTimer  # noqa: E402

TICK_MS = 10
# The steps before the first customer: the window's first paint and the runtime's start.
STARTUP_STEPS = frozenset({"start", "start_runtime"})
REPORT_OVER_MS = 50.0


# NOTE: the driver runs the loop through QApplication.processEvents() with 5 ms sleeps,
# and a 3-rental run records only a few hundred ticks where about 100 per second are
# expected, so ticks are missed and quiet periods are under-sampled. The stalls that
# are recorded are real; the p99 over all ticks is therefore pessimistic.
class LatencyProbe:
    """A precise 10 ms timer whose ticks record their lateness with the current step."""

    def __init__(self) -> None:
        self.step = "start"
        self.samples: list[tuple[float, str]] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._timer.start(TICK_MS)

    def _tick(self) -> None:
        now = time.perf_counter()
        late_ms = (now - self._last) * 1000 - TICK_MS
        self._last = now
        self.samples.append((max(0.0, late_ms), self.step))

    def stop(self) -> None:
        self._timer.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3, help="rentals to drive (default: %(default)s)")
    parser.add_argument("--faces", type=Path, default=REPOSITORY / "build" / "fixtures" / "face_recognition", help="demo photographs")
    parser.add_argument("--home", type=Path, help="an existing demo branch; default: one provisioned in a temporary folder")
    args = parser.parse_args()

    application = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as temporary:
        home = args.home or Path(temporary) / "branch"
        config = provision_demo_branch(home, args.faces) if args.home is None else load_config(home)
        window = build_window(BranchRuntime(config), windowed=True, prepare_session=demo_preparation(config))
        window.resize(1280, 960)
        window.show()
        probe = LatencyProbe()

        def on_step(name: str) -> None:
            probe.step = name

        driver = DemoDriver(window, on_step)
        window.start_runtime()
        try:
            driver.wait_ready()
            for _ in range(args.sessions):
                driver.whole_rental()
        finally:
            probe.stop()
            probe.step = "shutdown"
            window.allow_close()
            window.shutdown()
            application.processEvents()

    print(f"{len(probe.samples)} ticks of {TICK_MS} ms over the start-up and {args.sessions} rentals")
    print("| lateness | ticks | median | p99 | max |\n| --- | ---: | ---: | ---: | ---: |")
    for part, steps in (("start-up", STARTUP_STEPS), ("rentals", None)):
        lateness = sorted(late for late, step in probe.samples if (step in STARTUP_STEPS) == (steps is not None))
        if lateness:
            p99 = lateness[int(0.99 * (len(lateness) - 1))]
            print(f"| {part} | {len(lateness)} | {statistics.median(lateness):.1f} ms | {p99:.1f} ms | {lateness[-1]:.1f} ms |")
    stalls = Counter()
    worst: dict[str, float] = {}
    for late, step in probe.samples:
        if late > REPORT_OVER_MS:
            stalls[step] += 1
            worst[step] = max(worst.get(step, 0.0), late)
    print(f"\n| step | stalls over {REPORT_OVER_MS:.0f} ms | worst |\n| --- | ---: | ---: |")
    for step, count in stalls.most_common():
        print(f"| {step} | {count} | {worst[step]:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
