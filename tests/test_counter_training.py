"""Training mode of the counter terminal: a throwaway branch, the banner and the demo customers."""

from dataclasses import replace

import pytest

from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from countersign.training import TRAINING_ACCOUNTS, DemoCustomer, TrainingBranch
from devices.signature_pad import SimulatedSignaturePad
from kiosk.checks import Outcome
from kiosk.session import Stage
from kiosk.store.sync_store import StoreSyncAdapter
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


def sign_in_clerk(qtbot, window) -> None:
    """Sign in as the first training clerk, as a person types it."""
    clerk = TRAINING_ACCOUNTS[0]
    window.login.account_edit.setText(clerk.account_id)
    window.login.pin_edit.setText(clerk.pin)
    window.login.submit()
    qtbot.waitUntil(lambda: window.context.actor is not None, timeout=STEP_TIMEOUT_MS)


def walk_to_document(qtbot, window, customer: DemoCustomer) -> None:
    """Start a session for the demo ``customer``, give both consents and wait for the document step."""
    page = window.session_page
    page.customer_box.setCurrentIndex(page.customer_box.findData(customer))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.context.session is not None and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    consent = page.screens[Stage.CONSENT]
    consent.id_box.setChecked(True)
    consent.face_box.setChecked(True)
    qtbot.mouseClick(consent.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.context.session.stage is Stage.DOCUMENT and not window.runner.busy, timeout=STEP_TIMEOUT_MS)


def walk_to_face(qtbot, window, customer: DemoCustomer) -> None:
    """Walk ``customer`` on through the card read and the licence check to the face step."""
    walk_to_document(qtbot, window, customer)
    page = window.session_page
    qtbot.mouseClick(page.screens[Stage.DOCUMENT].read_button, Qt.MouseButton.LeftButton)
    licence = page.screens[Stage.LICENCE]
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    qtbot.mouseClick(licence.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.context.session.stage is Stage.FACE and not window.runner.busy, timeout=STEP_TIMEOUT_MS)


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

        sign_in_clerk(qtbot, window)
        assert window.training_banner.isVisible()

        page = window.session_page
        assert page.customer_box.isVisible()
        walk_to_document(qtbot, window, DemoCustomer.EXPIRING)
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


def test_training_blacklisted_customer_refused(qtbot, training):
    window = build_counter_window(None, training)
    qtbot.addWidget(window)
    window.show()
    window.start_runtime()
    try:
        qtbot.waitUntil(window.login.sign_in_button.isEnabled, timeout=STEP_TIMEOUT_MS)
        sign_in_clerk(qtbot, window)

        page = window.session_page
        walk_to_face(qtbot, window, DemoCustomer.BLACKLISTED)
        assert page.customer_box.currentText() == strings.text("counter.training.customer.blacklisted", "zh")
        face = page.screens[Stage.FACE]
        qtbot.mouseClick(face.capture_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(face.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
        qtbot.mouseClick(face.continue_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.context.session.stage is Stage.REFUSED and not window.runner.busy, timeout=STEP_TIMEOUT_MS)

        session = window.context.session
        failed = {check.name: check for check in session.checks if check.outcome.value == "fail"}
        assert list(failed) == ["risk"], list(failed)
        assert failed["risk"].details["rules"] == ["blacklist"]
        reason = strings.text("counter.training.blacklist_reason", "zh")
        rows = {page.clerk.table.item(row, 0).text(): page.clerk.table.item(row, 3).text() for row in range(page.clerk.table.rowCount())}
        assert reason in rows[strings.text("check.risk", "zh")]
        assert page.current_screen is page.exit_screen
    finally:
        window.shutdown()


def test_training_blacklist_only_that_customer(training, face_model):
    with BranchRuntime(training.config, face_model=face_model) as runtime:
        adapter = StoreSyncAdapter(runtime.services.store)
        training.prepare(runtime, DemoCustomer.BLACKLISTED)
        (entry,) = adapter.reference_items("blacklist")
        assert entry["masked_number"] == "110105********0013"
        assert entry["source"] == "培训 / training"

        training.prepare(runtime, DemoCustomer.MATCH)
        assert adapter.reference_items("blacklist") == []
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        assert session.decision == "approved"
        training.restore(runtime)


def test_training_photo_customer_rejected(qtbot, training):
    window = build_counter_window(None, training)
    qtbot.addWidget(window)
    window.show()
    window.start_runtime()
    try:
        qtbot.waitUntil(window.login.sign_in_button.isEnabled, timeout=STEP_TIMEOUT_MS)
        sign_in_clerk(qtbot, window)

        page = window.session_page
        walk_to_face(qtbot, window, DemoCustomer.PHOTO)
        assert page.customer_box.currentText() == strings.text("counter.training.customer.photo", "zh")
        face = page.screens[Stage.FACE]
        assert window.context.session.challenge_prompt is not None
        qtbot.mouseClick(face.capture_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: face.notice.isVisible() and not window.runner.busy, timeout=STEP_TIMEOUT_MS)

        session = window.context.session
        (attempt,) = session.liveness_attempts.results
        cues = {check.name: check.outcome for check in attempt.checks}
        assert attempt.outcome is Outcome.FAIL, (attempt.reason.en, attempt.frame_counts)
        assert cues["liveness_planar_motion"] is Outcome.FAIL, cues
        assert session.last_record.outcome is Outcome.RETRY
        assert session.last_record.reason == attempt.reason
        assert session.stage is Stage.FACE
        # The counter shows the customer's screen to the clerk, with the reason in its notice.
        assert face.notice_message == attempt.reason
        assert face.notice.text() == attempt.reason.text("zh")
        assert page.current_screen is face
    finally:
        window.shutdown()


def test_training_match_stills_not_rejected(training, face_model):
    # The match customer's frames are still photographs. With liveness on they cannot
    # follow the challenge, so the attempt is retried, but no cue calls them an attack.
    with BranchRuntime(training.config, face_model=face_model) as runtime:
        training.prepare(runtime, DemoCustomer.MATCH)
        runtime.services = replace(runtime.services, liveness_required=True)
        session = runtime.new_session()
        session.start()
        session.give_consent(id_processing=True, face_processing=True)
        session.read_document()
        session.check_licence()
        assert session.stage is Stage.FACE
        record = session.capture_face()
        training.restore(runtime)

    (attempt,) = session.liveness_attempts.results
    cues = {check.name: check.outcome for check in attempt.checks}
    assert attempt.outcome is Outcome.RETRY, attempt.reason.en
    assert cues, f"the frames were not judged: {attempt.reason.en}"
    assert cues["liveness_planar_motion"] is not Outcome.FAIL
    assert cues["liveness_texture"] is not Outcome.FAIL
    assert record.outcome is Outcome.RETRY
    assert record.reason == attempt.reason
