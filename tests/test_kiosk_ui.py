"""The Qt kiosk driven offscreen by clicks, on a real demo branch.

Every test runs a real BranchRuntime: the GA 467 simulator on a socat pty pair, recorded
frames of real faces, the dlib model, PAdES sealing and the SQLCipher store. The kiosk
window starts it on its worker thread, exactly as ``countersign kiosk`` does.
"""

import json
import logging
import math

import pytest

from countersign.demo_branch import IMPOSTOR_FRAMES, load_simulated_card, provision_demo_branch
from countersign.runtime import BranchRuntime
from kiosk.checks import Outcome
from kiosk.contracts.validation import load_trust_roots, validate_sealed_pdf
from kiosk.session import Stage
from kiosk.ui.app import build_window, demo_preparation
from kiosk.ui.operations import Operation
from kiosk.ui.qt import QCheckBox, QFontInfo, QLabel, QPoint, QPushButton, Qt
from kiosk.ui.style import SMALL_PX
from kiosk.ui.window import KioskWindow

pytestmark = pytest.mark.gui

# Face matching and sealing can take a few seconds on a small machine. The timeout only
# bounds a hang, and no test waits for it to pass.
STEP_TIMEOUT_MS = 60_000
MIN_BUTTON_HEIGHT = 64
DEMO_ID_NUMBER = "110105196108040013"


@pytest.fixture
def branch_config(tmp_path, faces_dir, face_model):
    """A demo branch provisioned into this test's folder."""
    return provision_demo_branch(tmp_path / "branch", faces_dir, model=face_model)


@pytest.fixture
def open_kiosk(qtbot, branch_config, face_model):
    """Open a windowed kiosk on the test's branch and wait until its runtime has started."""
    windows: list[KioskWindow] = []

    def open_window(camera_frames=None, wait_ready=True) -> KioskWindow:
        runtime = BranchRuntime(branch_config, camera_frames=camera_frames, face_model=face_model)
        window = build_window(runtime, windowed=True, prepare_session=demo_preparation(branch_config))
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        window.start_runtime()
        if wait_ready:
            qtbot.waitUntil(window.welcome.start_button.isEnabled, timeout=STEP_TIMEOUT_MS)
        return window

    yield open_window
    for window in windows:
        window.shutdown()


# Helpers ---------------------------------------------------------------------


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible(), f"{button.objectName()} is hidden"
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_idle_on(qtbot, window: KioskWindow, stage: Stage | None = None, exit_screen: bool = False) -> None:
    """Wait until no operation runs and the screen for ``stage`` (or the exit screen) shows."""
    expected = window.exit_screen if exit_screen else window.screens[stage]

    def settled() -> None:
        assert not window.runner.busy, f"still busy: {window.busy_label.text()}"
        assert window.current_screen is expected, f"showing {type(window.current_screen).__name__}: {visible_text(window)}"

    qtbot.waitUntil(settled, timeout=STEP_TIMEOUT_MS)


def visible_text(window: KioskWindow) -> str:
    """Return the text of every visible label, button and checkbox of the window."""
    widgets = [*window.findChildren(QLabel), *window.findChildren(QPushButton), *window.findChildren(QCheckBox)]
    return "\n".join(widget.text() for widget in widgets if widget.isVisible())


def assert_large_targets(window: KioskWindow) -> None:
    """Check the sizes for older customers: buttons at least 64 px high, text at least 20 px."""
    for button in window.findChildren(QPushButton):
        if button.isVisible():
            assert button.height() >= MIN_BUTTON_HEIGHT, f"{button.objectName()} {button.text()!r} is {button.height()} px high"
    for label in window.findChildren(QLabel):
        if label.isVisible() and label.text():
            size = QFontInfo(label.font()).pixelSize()
            assert size >= SMALL_PX, f"label {label.text()[:30]!r} uses {size} px"


def walk_to_document(qtbot, window: KioskWindow) -> None:
    click(qtbot, window.welcome.start_button)
    wait_idle_on(qtbot, window, Stage.CONSENT)
    consent = window.screens[Stage.CONSENT]
    consent.id_box.setChecked(True)
    consent.face_box.setChecked(True)
    click(qtbot, consent.continue_button)
    wait_idle_on(qtbot, window, Stage.DOCUMENT)


def walk_to_face(qtbot, window: KioskWindow) -> None:
    walk_to_document(qtbot, window)
    click(qtbot, window.screens[Stage.DOCUMENT].read_button)
    licence = window.screens[Stage.LICENCE]
    wait_idle_on(qtbot, window, Stage.LICENCE)
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    click(qtbot, licence.continue_button)
    wait_idle_on(qtbot, window, Stage.FACE)


def read_to_end(qtbot, contract, max_pages: int = 50) -> int:
    """Press Page Down on the contract until the screen counts it as read; return the presses."""
    for presses in range(max_pages + 1):
        if contract.read_to_end:
            return presses
        qtbot.keyClick(contract.scroll, Qt.Key.Key_PageDown)
        qtbot.wait(20)  # let the layout and the scroll run, as they do between a person's presses
    raise AssertionError(f"the contract was not read to its end after {max_pages} pages")


def tick(qtbot, contract, clause_id: str) -> None:
    """Scroll the clause's checkbox into view and click its indicator."""
    box = contract.clause_boxes[clause_id]
    contract.scroll.ensureWidgetVisible(box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(20, box.height() // 2))
    assert box.isChecked(), clause_id


def pad_position(canvas, x: float, y: float) -> QPoint:
    """Return the widget pixel under the pad point (``x``, ``y``), given in the 960 x 320 pad units."""
    return canvas.position_of(x, y).toPoint()


def draw_signature(qtbot, canvas) -> None:
    """Write two wavy strokes across the pad with mouse press, moves and release, whatever size the canvas is shown at."""
    for stroke in range(2):
        top = 110 + stroke * 90
        points = [pad_position(canvas, 40 + step * 15, top + 60 * math.sin(step / 4)) for step in range(59)]
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
        for point in points[1:]:
            qtbot.mouseMove(canvas, point)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])


def stored_signature_strokes(runtime: BranchRuntime, contract_no: str) -> str:
    """Read the signature evidence stored with a contract; must run on the store's thread."""
    runtime.database.owner.check()
    row = runtime.database.connection.execute(
        "SELECT signature_strokes FROM contracts WHERE contract_no = ?", (contract_no,)
    ).fetchone()
    return row[0]


def run_on_worker(qtbot, window: KioskWindow, work):
    """Run ``work`` on the kiosk's worker thread through an Operation and return its result."""
    outcome = {}
    operation = Operation("test_probe", "busy.beginning", work)
    operation.succeeded.connect(lambda result: outcome.setdefault("result", result))
    operation.failed.connect(lambda error: outcome.setdefault("error", error))
    window.runner.run(operation)
    qtbot.waitUntil(lambda: bool(outcome), timeout=STEP_TIMEOUT_MS)
    assert "error" not in outcome, outcome.get("error")
    return outcome["result"]


# Tests -----------------------------------------------------------------------


def test_whole_rental_signed_by_clicks(qtbot, open_kiosk):
    window = open_kiosk()
    runtime = window.context.runtime
    assert visible_text(window).count("开始办理") == 1
    assert_large_targets(window)

    walk_to_document(qtbot, window)
    assert_large_targets(window)
    click(qtbot, window.screens[Stage.DOCUMENT].read_button)

    licence = window.screens[Stage.LICENCE]
    wait_idle_on(qtbot, window, Stage.LICENCE)
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    assert [check.name for check in licence.checklist.checks] == [
        "document_number", "document_validity", "customer_age", "licence_holder", "licence_class",
        "licence_validity", "licence_probation",
    ]
    assert "驾驶证在整个租期内有效。" in visible_text(window)
    assert_large_targets(window)
    click(qtbot, licence.continue_button)

    face = window.screens[Stage.FACE]
    wait_idle_on(qtbot, window, Stage.FACE)
    click(qtbot, face.capture_button)
    qtbot.waitUntil(lambda: face.captured and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    assert "已拍摄人脸。" in visible_text(window)
    assert not face.capture_button.isVisible()
    click(qtbot, face.continue_button)

    verification = window.screens[Stage.VERIFICATION]
    wait_idle_on(qtbot, window, Stage.VERIFICATION)
    qtbot.waitUntil(verification.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    outcomes = {check.name: check.outcome for check in verification.checklist.checks}
    assert outcomes["face_match"] is Outcome.PASS
    assert "人脸与证件照片一致。" in visible_text(window)
    assert_large_targets(window)
    click(qtbot, verification.continue_button)

    contract = window.screens[Stage.CONTRACT]
    wait_idle_on(qtbot, window, Stage.CONTRACT)
    qtbot.waitUntil(lambda: bool(contract.clause_boxes), timeout=STEP_TIMEOUT_MS)
    read_to_end(qtbot, contract)
    assert contract.confirm_button.isEnabled()
    session = window.context.session
    contract_no = session.draft.contract_number
    assert contract.findChild(QLabel, "field-contract_no").text() == contract_no
    assert contract.findChild(QLabel, "field-lessee_id_number").text() == "110105********0013"
    assert DEMO_ID_NUMBER not in visible_text(window)
    assert set(contract.clause_boxes) == set(session.clauses_to_acknowledge)

    # One clause ticked is not enough: the session names the others and the screen stays.
    first, *others = session.clauses_to_acknowledge
    tick(qtbot, contract, first)
    click(qtbot, contract.confirm_button)
    qtbot.waitUntil(lambda: contract.notice.isVisible() and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    assert "请逐条确认以下条款" in contract.notice.text()
    assert window.current_screen is contract
    for clause_id in others:
        tick(qtbot, contract, clause_id)
    for clause_id, box in contract.clause_boxes.items():
        assert box.isChecked(), clause_id
    assert_large_targets(window)
    click(qtbot, contract.confirm_button)

    sign = window.screens[Stage.SIGN]
    wait_idle_on(qtbot, window, Stage.SIGN)
    assert contract_no in visible_text(window)
    assert not sign.submit_button.isEnabled()  # an empty canvas cannot be sent
    assert window.current_screen is sign

    draw_signature(qtbot, sign.canvas)
    drawn = sign.canvas.signature()
    assert len(drawn.strokes) == 2
    assert drawn.point_count == 2 * (1 + 58 + 1)  # press, 58 moves and release in each stroke
    times = [point.t_ms for stroke in drawn.strokes for point in stroke]
    assert times == sorted(times)
    assert_large_targets(window)
    click(qtbot, sign.submit_button)

    done = window.screens[Stage.DONE]
    wait_idle_on(qtbot, window, Stage.DONE)
    assert session.stage is Stage.DONE
    assert session.signed.contract_no == contract_no
    assert session.signed.pdf.startswith(b"%PDF")
    assert done.number_label.text() == f"合同编号：{contract_no}"
    assert done.number_label.isVisible()

    stored = run_on_worker(qtbot, window, lambda: runtime.services.store.contract(contract_no))
    assert stored is not None
    assert stored.pdf == session.signed.pdf
    assert stored.pdf.startswith(b"%PDF")
    (seal,) = validate_sealed_pdf(stored.pdf, load_trust_roots(list(runtime.config.trust_roots)))
    assert seal.ok
    strokes_json = run_on_worker(qtbot, window, lambda: stored_signature_strokes(runtime, contract_no))
    assert json.loads(strokes_json) == drawn.to_json()
    with pytest.raises(RuntimeError, match="owned by thread"):
        runtime.services.store.contract(contract_no)

    click(qtbot, done.finish_button)
    wait_idle_on(qtbot, window, Stage.WELCOME)
    assert window.context.session is None
    assert session.signed is None  # the session forgot its personal data
    assert contract_no not in visible_text(window)
    assert contract_no not in done.number_label.text()
    assert not contract.clause_boxes


def test_other_face_is_refused_with_reason(qtbot, open_kiosk, branch_config):
    window = open_kiosk(camera_frames=branch_config.home / IMPOSTOR_FRAMES)
    walk_to_face(qtbot, window)

    face = window.screens[Stage.FACE]
    click(qtbot, face.capture_button)
    qtbot.waitUntil(lambda: face.captured and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    click(qtbot, face.continue_button)

    wait_idle_on(qtbot, window, exit_screen=True)
    session = window.context.session
    assert session.stage is Stage.REFUSED
    text = visible_text(window)
    assert "无法为您办理租车" in text
    assert "人脸与证件照片不一致" in text
    assert session.session_id in text
    face_row = {check.name: check.outcome for check in window.exit_screen.checklist.checks}
    assert face_row["face_match"] is Outcome.FAIL
    assert "✗" in text
    assert not window.cancel_button.isVisible()

    click(qtbot, window.language_button)
    text = visible_text(window)
    assert "Face does not match the photo on the card." in text
    assert "We cannot complete your rental" in text
    assert "人脸与证件照片不一致" not in text
    assert session.signed is None

    click(qtbot, window.exit_screen.start_again_button)
    wait_idle_on(qtbot, window, Stage.WELCOME)
    assert window.context.language == "zh"
    assert "开始办理" in visible_text(window)


def test_language_switch_retranslates_in_place(qtbot, open_kiosk):
    window = open_kiosk()
    walk_to_document(qtbot, window)
    document = window.screens[Stage.DOCUMENT]
    title, button = document.title, document.read_button
    assert title.text() == "请将身份证放在读卡区"
    assert button.text() == "读取证件"
    assert window.language_button.text() == "English"
    assert "2 身份证" in visible_text(window)

    click(qtbot, window.language_button)
    assert window.current_screen is document
    assert document.title is title
    assert title.text() == "Place your ID card on the reader"
    assert button.text() == "Read card"
    assert window.cancel_button.text() == "Cancel"
    assert window.language_button.text() == "中文"
    text = visible_text(window)
    assert "2 ID card" in text
    assert not any("\u4e00" <= character <= "\u9fff" for character in text.replace("中文", "")), text
    assert window.context.session.stage is Stage.DOCUMENT

    click(qtbot, window.language_button)
    assert title.text() == "请将身份证放在读卡区"
    assert button.text() == "读取证件"


def test_missing_card_shows_reader_message(qtbot, open_kiosk):
    window = open_kiosk()
    runtime = window.context.runtime
    walk_to_document(qtbot, window)
    document = window.screens[Stage.DOCUMENT]

    runtime.simulator.remove()
    click(qtbot, document.read_button)
    qtbot.waitUntil(lambda: document.notice.isVisible() and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    assert "未检测到证件" in document.notice.text()
    assert window.current_screen is document
    assert window.context.session.stage is Stage.DOCUMENT
    assert document.read_button.isEnabled()

    click(qtbot, window.language_button)
    assert "No card found" in document.notice.text()

    runtime.simulator.present(load_simulated_card(runtime.config.reader.card, runtime.services.photo_decoder))
    click(qtbot, document.read_button)
    wait_idle_on(qtbot, window, Stage.LICENCE)
    assert not document.notice.isVisible()


def test_buttons_disabled_while_operation_runs(qtbot, open_kiosk):
    window = open_kiosk()
    walk_to_document(qtbot, window)
    document = window.screens[Stage.DOCUMENT]

    click(qtbot, document.read_button)
    assert window.runner.busy
    assert not document.read_button.isEnabled()
    assert not window.cancel_button.isEnabled()
    assert window.language_button.isEnabled()
    assert window.busy_label.text() == "正在读取证件，请勿移动证件……"
    wait_idle_on(qtbot, window, Stage.LICENCE)
    assert window.busy_label.text() == ""
    assert window.screens[Stage.LICENCE].isEnabled()


def test_declined_consent_shows_counter_message(qtbot, open_kiosk):
    window = open_kiosk()
    click(qtbot, window.welcome.start_button)
    wait_idle_on(qtbot, window, Stage.CONSENT)
    click(qtbot, window.screens[Stage.CONSENT].decline_button)

    wait_idle_on(qtbot, window, exit_screen=True)
    text = visible_text(window)
    assert "您未同意处理身份证信息" in text
    assert "请到柜台由工作人员为您办理" in text
    assert window.exit_screen.reference_label.isVisible()


def test_consent_boxes_start_unticked(qtbot, open_kiosk):
    window = open_kiosk()
    click(qtbot, window.welcome.start_button)
    wait_idle_on(qtbot, window, Stage.CONSENT)
    consent = window.screens[Stage.CONSENT]
    assert not consent.id_box.isChecked()
    assert not consent.face_box.isChecked()
    assert not consent.continue_button.isEnabled()
    text = visible_text(window)
    assert "保存期限" in text
    assert "180 天后删除" in text
    consent.id_box.setChecked(True)
    assert consent.continue_button.isEnabled()


def test_declined_face_consent_goes_to_clerk(qtbot, open_kiosk):
    window = open_kiosk()
    click(qtbot, window.welcome.start_button)
    wait_idle_on(qtbot, window, Stage.CONSENT)
    consent = window.screens[Stage.CONSENT]
    consent.id_box.setChecked(True)
    click(qtbot, consent.continue_button)

    wait_idle_on(qtbot, window, exit_screen=True)
    session = window.context.session
    assert session.stage is Stage.CLERK_REVIEW
    assert [record.stage for record in session.records] == [Stage.WELCOME, Stage.CONSENT]
    assert "您未同意处理人脸信息" in visible_text(window)


def test_cancel_button_ends_session(qtbot, open_kiosk):
    window = open_kiosk()
    walk_to_face(qtbot, window)
    session = window.context.session

    click(qtbot, window.cancel_button)
    wait_idle_on(qtbot, window, exit_screen=True)
    assert session.stage is Stage.CANCELLED
    assert "已取消办理。" in visible_text(window)
    assert not window.cancel_button.isVisible()

    click(qtbot, window.exit_screen.start_again_button)
    wait_idle_on(qtbot, window, Stage.WELCOME)
    assert window.context.session is None
    assert session.identity is None


def test_runtime_start_failure_keeps_window_open(qtbot, open_kiosk, branch_config, caplog):
    (branch_config.home / "keys" / "store.pass").unlink()
    with caplog.at_level(logging.ERROR):
        window = open_kiosk(wait_ready=False)
        qtbot.waitUntil(lambda: window.welcome.notice.isVisible() and not window.runner.busy, timeout=STEP_TIMEOUT_MS)

    assert "本机数据存储出现问题" in window.welcome.notice.text()
    assert not window.welcome.start_button.isEnabled()
    assert window.isVisible()
    failures = [record for record in caplog.records if record.name == "kiosk.ui.errors"]
    assert failures
    assert failures[0].exc_info is not None
    assert "start_runtime" in failures[0].getMessage()


def test_kiosk_mode_ignores_escape_and_close(qtbot, branch_config, face_model):
    runtime = BranchRuntime(branch_config, face_model=face_model)
    window = build_window(runtime, windowed=False, prepare_session=None)
    qtbot.addWidget(window)
    try:
        window.showFullScreen()
        assert window.windowFlags() & Qt.WindowType.FramelessWindowHint

        qtbot.keyClick(window, Qt.Key.Key_Escape)
        assert window.isVisible()
        assert window.close() is False
        assert window.isVisible()

        window.allow_close()
        assert window.close() is True
    finally:
        window.shutdown()

