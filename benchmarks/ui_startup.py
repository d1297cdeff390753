"""Time the kiosk's cold start: a fresh Python process until the welcome screen is painted, and until it is usable.

Usage: python benchmarks/ui_startup.py [--runs N] [--faces DIR] [--home DIR]

Each run starts a new interpreter (QT_QPA_PLATFORM=offscreen) that imports the kiosk,
opens the window on a demo branch and starts the runtime, as ``countersign kiosk``
does. The child reports two times from its own start: the welcome screen's first paint,
and the start button's enabling once the store, the devices and the face model are up
in the background. Prints the median and maximum of each over N runs.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
began = float(sys.argv[2])
from pathlib import Path
from countersign.config import load_config
from kiosk.ui.app import build_window, demo_preparation
from kiosk.ui.qt import QApplication, QEvent, QObject
imported = time.time() - began
from countersign.runtime import BranchRuntime

application = QApplication([])
config = load_config(Path(sys.argv[1]))
window = build_window(BranchRuntime(config), windowed=True, prepare_session=demo_preparation(config))
marks = {"imports_s": imported}

class PaintWatch(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and "welcome_painted_s" not in marks:
            marks["welcome_painted_s"] = time.time() - began
        return False

watch = PaintWatch()
window.welcome.installEventFilter(watch)
window.show()
window.start_runtime()
while not window.welcome.start_button.isEnabled():
    application.processEvents()
    time.sleep(0.002)
marks["ready_s"] = time.time() - began
print(json.dumps(marks))
window.allow_close()
window.shutdown()
"""


def run_once(home: Path) -> dict[str, float]:
    """Start one child process and return its marks in seconds from the moment before it was spawned."""
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPOSITORY))
    began = time.time()
    output = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), repr(began)], env=environment, capture_output=True, text=True, check=True, cwd=REPOSITORY
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="number of cold starts (default: %(default)s)")
    parser.add_argument("--faces", type=Path, default=REPOSITORY / "build" / "fixtures" / "face_recognition", help="demo photographs")
    parser.add_argument("--home", type=Path, help="an existing demo branch; default: one provisioned in a temporary folder")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        home = args.home
        if home is None:
            sys.path.insert(0, str(REPOSITORY))
            from countersign.demo_branch import provision_demo_branch

            home = Path(temporary) / "branch"
            provision_demo_branch(home, args.faces)
        runs = [run_once(home) for _ in range(args.runs)]

    print(f"| measure ({args.runs} cold starts) | median | max |")
    print("| --- | ---: | ---: |")
    for key, label in (("imports_s", "imports done"), ("welcome_painted_s", "welcome screen painted"), ("ready_s", "start button enabled")):
        values = [run[key] for run in runs]
        print(f"| {label} | {statistics.median(values):.2f} s | {max(values):.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
