"""Render every kiosk screen of a demo rental to PNG, in Chinese and in English, for review.

``countersign kiosk --screenshots DIR`` calls :func:`take_screenshots`. It runs a
real demo branch (simulated card reader, recorded camera frames, the face model,
sealing and the encrypted store) in a windowed kiosk, and saves the window after
each step as ``NN-name-zh.png`` and ``NN-name-en.png``.
"""

import logging
import sys
from pathlib import Path

from countersign.config import BranchConfig
from countersign.runtime import BranchRuntime
from kiosk.errors import ConfigError, StoreCorrupt
from kiosk.identity.face import FaceModel
from kiosk.ui.app import build_window, demo_preparation
from kiosk.ui.demo_driver import DemoDriver
from kiosk.ui.errors import customer_message
from kiosk.ui.qt import QApplication
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)

# The window size of the pictures: the 1280 x 800 kiosk display the layout is made for.
SCREENSHOT_SIZE = (1280, 800)

# The screens in the order the rental reaches them; the number prefixes the file name.
SCREEN_NAMES = (
    "welcome",
    "consent",
    "document",
    "licence",
    "face",
    "verification",
    "contract",
    "sign",
    "done",
    "counter",
    "idle-warning",
    "service-needed",
)


class _Camera:
    """Saves the window in both languages under a numbered name and stops after ``until``."""

    def __init__(self, window: KioskWindow, driver: DemoDriver, folder: Path, until: str | None) -> None:
        self.window = window
        self.driver = driver
        self.folder = folder
        self.until = until
        self.saved: list[Path] = []

    def shoot(self, name: str, languages: tuple[str, ...] = ("zh", "en")) -> bool:
        """Save the window as it is now; return whether the caller should go on to the next screen."""
        number = SCREEN_NAMES.index(name) + 1
        for language in languages:
            self.window.context.set_language(language)
            self.driver.wait(0.15)  # layouts and the camera preview settle
            path = self.folder / f"{number:02d}-{name}-{language}.png"
            if not self.window.grab().save(str(path)):
                raise OSError(f"cannot write the screenshot {path}")
            self.saved.append(path)
            log.info("screenshot %s saved", path.name)
        self.window.context.set_language("zh")
        return name != self.until


def take_screenshots(
    config: BranchConfig, folder: Path, until: str | None = None, face_model: FaceModel | None = None
) -> list[Path]:
    """Drive a demo rental through the kiosk window and save each screen; return the files written.

    ``until`` names the last screen to save (one of :data:`SCREEN_NAMES`). Raises
    :class:`ConfigError` for a branch without the simulated reader, whose demo customer
    the rental needs, and :class:`kiosk.ui.demo_driver.DemoDriverError` when a step hangs.
    """
    if config.reader.kind != "simulated":
        raise ConfigError(f"screenshots need a demo branch with the simulated reader; {config.home} uses {config.reader.kind}")
    if until is not None and until not in SCREEN_NAMES:
        raise ValueError(f"unknown screen {until!r}; expected one of {', '.join(SCREEN_NAMES)}")
    folder.mkdir(parents=True, exist_ok=True)

    application = QApplication.instance() or QApplication(sys.argv[:1])
    runtime = BranchRuntime(config, face_model=face_model)
    window = build_window(runtime, windowed=True, prepare_session=demo_preparation(config))
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    window.start_runtime()
    driver = DemoDriver(window)
    camera = _Camera(window, driver, folder, until)
    try:
        _rental(driver, camera) and _counter(driver, camera) and _idle_warning(window, driver, camera) and _service_needed(
            window, camera
        )
    finally:
        window.allow_close()
        window.shutdown()
        window.close()
        application.processEvents()
    return camera.saved


def _rental(driver: DemoDriver, camera: _Camera) -> bool:
    driver.wait_ready()
    steps = (
        ("welcome", driver.begin),
        ("consent", driver.give_consent),
        ("document", driver.read_document),
        ("licence", driver.continue_to_face),
        ("face", lambda: (driver.capture_face(), driver.verify())),
        ("verification", driver.open_contract),
        ("contract", driver.acknowledge),
        ("sign", driver.sign),
        ("done", driver.finish),
    )
    for name, next_step in steps:
        if name == "sign":
            # The picture shows a signature, so it is drawn first and then submitted.
            driver.draw_signature()
            next_step = driver.submit_signature
        if not camera.shoot(name):
            return False
        next_step()
    return True


def _counter(driver: DemoDriver, camera: _Camera) -> bool:
    """A customer who declines the ID consent is sent to the counter: the exit screen."""
    driver.begin()
    driver.decline_consent()
    go_on = camera.shoot("counter")
    driver.click(driver.window.exit_screen.start_again_button)
    driver.wait_until(lambda: driver.window.context.session is None, "the session to end")
    return go_on


def _idle_warning(window: KioskWindow, driver: DemoDriver, camera: _Camera) -> bool:
    """Show the warning with 15 seconds left, save it, and press continue."""
    driver.begin()
    window.idle.configure(idle_seconds=15.5, warning_seconds=15.0)
    driver.wait_until(lambda: window.idle_warning.isVisible(), "the idle warning", timeout_s=5)
    go_on = camera.shoot("idle-warning")
    driver.click(window.idle_warning.continue_button)
    return go_on


def _service_needed(window: KioskWindow, camera: _Camera) -> bool:
    """The page a kiosk shows when its store cannot be used; it is in both languages at once."""
    window.show_service_needed(customer_message(StoreCorrupt("screenshot of the service-needed page")))
    return camera.shoot("service-needed", languages=("zh",))
