"""The kiosk's idle timeout on a real demo branch: the warning, input that resets it, and the wipe.

The timeout is shortened per test through ``window.idle.configure``; the branch
default (120 s) is checked on the configuration alone.
"""

import logging

import pytest

from countersign.config import load_config
from kiosk.errors import ConfigError
from kiosk.identity.id_number import mask_id_number
from kiosk.session import Stage
from kiosk.ui.qt import QLabel, QWidget, Qt
from tests.test_kiosk_ui import (  # noqa: F401 (fixtures are found by name)
    DEMO_ID_NUMBER,
    STEP_TIMEOUT_MS,
    branch_config,
    click,
    draw_signature,
    open_kiosk,
    run_on_worker,
    tick,
    visible_text,
    wait_idle_on,
    walk_to_face,
)
from tests.test_kiosk_ui_contract import read_to_end

pytestmark = pytest.mark.gui


def personal_texts(window) -> list[str]:
    """Return every text a widget of ``window`` holds, shown or not: labels, buttons, line and text edits."""
    texts = []
    for widget in window.findChildren(QWidget):
        for getter in ("text", "toPlainText", "placeholderText", "toolTip"):
            method = getattr(widget, getter, None)
            if callable(method):
                value = method()
                if isinstance(value, str) and value:
                    texts.append(value)
    return texts


def labels_with_pictures(window) -> list[str]:
    return [label.objectName() or label.text() for label in window.findChildren(QLabel) if not label.pixmap().isNull()]


def test_idle_branch_setting_default_and_range(branch_config):
    assert branch_config.kiosk_idle_seconds == 120

    toml = branch_config.home / "branch.toml"
    original = toml.read_text(encoding="utf-8")
    toml.write_text(original + "\n[kiosk]\nidle_seconds = 300\n", encoding="utf-8")
    assert load_config(branch_config.home).kiosk_idle_seconds == 300

    toml.write_text(original + "\n[kiosk]\nidle_seconds = 10\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kiosk.idle_seconds"):
        load_config(branch_config.home)


def test_idle_warning_then_continue_then_wipe(qtbot, open_kiosk):
    window = open_kiosk()
    assert not window.idle.armed  # nothing to clear on the welcome screen in Chinese
    click(qtbot, window.welcome.start_button)
    wait_idle_on(qtbot, window, Stage.CONSENT)
    session = window.context.session
    assert window.idle.armed

    window.idle.configure(idle_seconds=1.6, warning_seconds=1.0)
    qtbot.waitUntil(window.idle_warning.isVisible, timeout=5_000)
    assert "您还在吗？" in window.idle_warning.title.text()
    assert "秒后" in window.idle_warning.body.text()
    click(qtbot, window.idle_warning.continue_button)
    assert not window.idle_warning.isVisible()
    assert window.current_screen is window.screens[Stage.CONSENT]

    # A key press counts as input, and starts the count again.
    qtbot.wait(400)
    qtbot.keyClick(window.screens[Stage.CONSENT], Qt.Key.Key_Space)
    qtbot.wait(400)
    assert not window.idle_warning.isVisible()
    assert window.context.session is session

    window.context.set_language("en")
    qtbot.waitUntil(window.idle_warning.isVisible, timeout=5_000)
    assert window.idle_warning.title.text() == "Are you still there?"
    qtbot.waitUntil(lambda: window.context.session is None and not window.runner.busy, timeout=5_000)
    assert window.current_screen is window.welcome
    assert window.context.language == "zh"
    assert not window.idle_warning.isVisible()
    assert session.stage is Stage.CANCELLED
    assert not window.idle.armed


def test_idle_wipe_waits_for_sealing_and_clears_widgets(qtbot, open_kiosk, caplog):
    window = open_kiosk()
    runtime = window.context.runtime
    walk_to_face(qtbot, window)
    face = window.screens[Stage.FACE]
    click(qtbot, face.capture_button)
    qtbot.waitUntil(lambda: face.captured and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    click(qtbot, face.continue_button)
    verification = window.screens[Stage.VERIFICATION]
    wait_idle_on(qtbot, window, Stage.VERIFICATION)
    qtbot.waitUntil(verification.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    click(qtbot, verification.continue_button)
    contract = window.screens[Stage.CONTRACT]
    wait_idle_on(qtbot, window, Stage.CONTRACT)
    qtbot.waitUntil(lambda: bool(contract.clause_boxes), timeout=STEP_TIMEOUT_MS)
    read_to_end(qtbot, contract)
    for clause_id in list(contract.clause_boxes):
        tick(qtbot, contract, clause_id)
    click(qtbot, contract.confirm_button)
    sign = window.screens[Stage.SIGN]
    wait_idle_on(qtbot, window, Stage.SIGN)

    session = window.context.session
    contract_no = session.draft.contract_number
    holder_name = session.identity.name
    personal = [contract_no, holder_name, DEMO_ID_NUMBER, mask_id_number(DEMO_ID_NUMBER), session.session_id]
    before = "\n".join(personal_texts(window))
    for value in (contract_no, holder_name, mask_id_number(DEMO_ID_NUMBER)):
        assert value in before, value

    # The timeout expires while the contract is being sealed: the seal completes, the
    # done screen shows, and only then is the session ended.
    shown = []
    window.stack.currentChanged.connect(lambda _index: shown.append(window.current_screen))
    draw_signature(qtbot, sign.canvas)
    with caplog.at_level(logging.INFO, logger="kiosk.ui.window"):
        click(qtbot, sign.submit_button)
        assert window.runner.busy
        # Expire the timer while the seal runs: the operation's end reaches the GUI thread
        # only through the event loop, so the runner is still busy here. A short timer
        # instead would race with a fast seal.
        window.idle.expired.emit()
        qtbot.waitUntil(lambda: window.context.session is None and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    assert any("expired during an operation" in record.getMessage() for record in caplog.records)
    assert shown[:2] == [window.screens[Stage.DONE], window.welcome]
    assert session.stage is Stage.DONE
    stored = run_on_worker(qtbot, window, lambda: runtime.services.store.contract(contract_no))
    assert stored is not None
    assert stored.pdf.startswith(b"%PDF")

    # Nothing of the customer is left in any widget, shown or hidden.
    assert session.identity is None
    assert session.draft is None
    assert session.signed is None
    after = personal_texts(window)
    for value in personal:
        leaks = [text for text in after if value in text]
        assert not leaks, f"{value!r} still in {leaks}"
    assert labels_with_pictures(window) == []
    assert sign.canvas.signature().strokes == []
    assert face.preview.face_boxes == ()
    assert not contract.clause_boxes
    assert window.exit_screen.checklist.checks == ()
    assert verification.checklist.checks == ()
    assert window.screens[Stage.LICENCE].checklist.checks == ()
    assert "开始办理" in visible_text(window)
