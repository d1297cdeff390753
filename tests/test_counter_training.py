"""Training mode of the counter terminal: a throwaway branch, the banner and the demo customers."""

import pytest

from countersign.training import TRAINING_ACCOUNTS, DemoCustomer, TrainingBranch
from kiosk.session import Stage
from kiosk.ui import strings
from kiosk.ui.counter.app import build_counter_window
from kiosk.ui.qt import Qt

pytestmark = pytest.mark.gui

STEP_TIMEOUT_MS = 60_000


@pytest.fixture
def training(faces_dir, face_model):
    branch = TrainingBranch(faces_dir, face_model)
    branch.provision()
    yield branch
    branch.close()


def test_training_expiring_customer(qtbot, training):
    window = build_counter_window(None, training)
    qtbot.addWidget(window)
    window.show()
    window.start_runtime()
    try:
        qtbot.waitUntil(window.login.sign_in_button.isEnabled, timeout=STEP_TIMEOUT_MS)
        assert window.training_banner.isVisible()
        assert window.training_banner.text() == strings.text("counter.training.banner", "zh")
        assert "training.clerk" in window.login.training_hint.text()
        assert training.config.store_path.is_relative_to(training.home)

        clerk = TRAINING_ACCOUNTS[0]
        window.login.account_edit.setText(clerk.account_id)
        window.login.pin_edit.setText(clerk.pin)
        window.login.submit()
        qtbot.waitUntil(lambda: window.context.actor is not None, timeout=STEP_TIMEOUT_MS)
        assert window.training_banner.isVisible()

        page = window.session_page
        assert page.customer_box.isVisible()
        page.customer_box.setCurrentIndex(page.customer_box.findData(DemoCustomer.EXPIRING))
        qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.context.session is not None and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
        consent = page.screens[Stage.CONSENT]
        consent.id_box.setChecked(True)
        consent.face_box.setChecked(True)
        qtbot.mouseClick(consent.continue_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.context.session.stage is Stage.DOCUMENT and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
        qtbot.mouseClick(page.screens[Stage.DOCUMENT].read_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.context.session.stage is Stage.REFUSED and not window.runner.busy, timeout=STEP_TIMEOUT_MS)

        session = window.context.session
        failed = [check for check in session.checks if check.outcome.value == "fail"]
        assert [check.name for check in failed] == ["document_validity"]
        assert page.current_screen is page.exit_screen
    finally:
        window.shutdown()

    # The training store lives in the throwaway folder, which close() deletes.
    training.close()
    assert not training.home.exists()
