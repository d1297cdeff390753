"""The counter terminal driven offscreen, on a real demo branch with real accounts.

Every test runs a real BranchRuntime (GA 467 simulator on a socat pty pair, recorded
frames of real faces, the dlib model, the SQLCipher store) and real Argon2id accounts.
The keyboard test presses keys on whatever widget has the focus, as a clerk would.
"""

import pytest
from argon2 import profiles

from countersign.config import load_config
from countersign.demo_branch import IMPOSTOR_FRAMES, seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad
from kiosk.session import Stage
from kiosk.store.accounts import AccessSettings, AccountStore, Role
from kiosk.store.audit import read_audit_entries
from kiosk.store.contract_search import SearchBy
from kiosk.store.key_sources.rotation import open_keyed_store
from kiosk.ui import strings
from kiosk.ui.counter.window import CounterWindow
from kiosk.ui.counter.style import COUNTER_PX
from kiosk.ui.qt import QApplication, QCheckBox, QColor, QFontInfo, QPdfDocument, QPushButton, Qt
from kiosk.ui.style import HIGH_CONTRAST, STANDARD

pytestmark = pytest.mark.gui

# Face matching can take a few seconds on a small machine; the timeout only bounds a hang.
STEP_TIMEOUT_MS = 60_000
CHEAP_HASH = AccessSettings(pin_hash=profiles.CHEAPEST)
CLERK = ("clerk.wang", "王柜员", Role.CLERK, "402917")
SUPERVISOR = ("super.li", "李主管", Role.SUPERVISOR, "739251")


def add_accounts(config) -> None:
    """Give the branch store an IT account, a clerk and a supervisor, with real Argon2id hashes."""
    database = open_keyed_store(config.store_path, config.store_key).database
    try:
        accounts = AccountStore(database, CHEAP_HASH)
        at = BranchRuntime(config).clock()
        accounts.add_account(None, "it.zhao", "赵 IT", Role.BRANCH_IT, "581920", at)
        it = accounts.authenticate("it.zhao", "581920", at)
        for account_id, name, role, pin in (CLERK, SUPERVISOR):
            accounts.add_account(it, account_id, name, role, pin, at)
    finally:
        database.close()


def audit_actions(config) -> list[tuple[str, str, str | None]]:
    """Return (actor, action, subject) of every audit entry; the runtime must have stopped."""
    database = open_keyed_store(config.store_path, config.store_key).database
    try:
        return [(entry.actor_id, entry.action, entry.subject) for entry in read_audit_entries(database.connection)]
    finally:
        database.close()


@pytest.fixture
def branch(branch_home):
    config = load_config(branch_home)
    add_accounts(config)
    return config


@pytest.fixture
def open_counter(qtbot, branch, face_model):
    """Open a counter window on the test's branch (or on ``config``) and wait until sign-in is possible."""
    windows: list[CounterWindow] = []

    def open_window(camera_frames=None, config=None) -> CounterWindow:
        runtime = BranchRuntime(config or branch, camera_frames=camera_frames, face_model=face_model)

        def book(runtime: BranchRuntime) -> None:
            seed_demo_reservation(runtime.services.store, runtime.clock())

        window = CounterWindow(runtime, prepare_session=book, access_settings=CHEAP_HASH)
        qtbot.addWidget(window)
        windows.append(window)
        window.show()
        window.activateWindow()
        window.start_runtime()
        qtbot.waitUntil(window.login.sign_in_button.isEnabled, timeout=STEP_TIMEOUT_MS)
        return window

    yield open_window
    for window in windows:
        window.shutdown()


# Helpers ---------------------------------------------------------------------------


def focused():
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def type_text(qtbot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def tab_to(qtbot, target, max_presses: int = 40) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user does."""
    for _ in range(max_presses):
        if QApplication.focusWidget() is target:
            return
        press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is target, f"Tab never reached {target.objectName()}; focus on {focused().objectName()}"


def wait_idle(qtbot, window: CounterWindow) -> None:
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=STEP_TIMEOUT_MS)


def wait_stage(qtbot, window: CounterWindow, stage: Stage) -> None:
    def reached() -> None:
        assert not window.runner.busy
        session = window.context.session
        assert session is not None and session.stage is stage, f"stage {session.stage if session else None}"

    qtbot.waitUntil(reached, timeout=STEP_TIMEOUT_MS)


def sign_in(qtbot, window: CounterWindow, account=CLERK) -> None:
    window.login.account_edit.setText(account[0])
    window.login.pin_edit.setText(account[3])
    window.login.submit()
    qtbot.waitUntil(lambda: window.context.actor is not None, timeout=STEP_TIMEOUT_MS)


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def walk_to_face(qtbot, window: CounterWindow) -> None:
    page = window.session_page
    click(qtbot, page.start_button)
    wait_stage(qtbot, window, Stage.CONSENT)
    consent = page.screens[Stage.CONSENT]
    consent.id_box.setChecked(True)
    consent.face_box.setChecked(True)
    click(qtbot, consent.continue_button)
    wait_stage(qtbot, window, Stage.DOCUMENT)
    click(qtbot, page.screens[Stage.DOCUMENT].read_button)
    licence = page.screens[Stage.LICENCE]
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    click(qtbot, licence.continue_button)
    wait_stage(qtbot, window, Stage.FACE)


def capture_and_verify(qtbot, window: CounterWindow) -> None:
    face = window.session_page.screens[Stage.FACE]
    click(qtbot, face.capture_button)
    qtbot.waitUntil(face.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    click(qtbot, face.continue_button)
    qtbot.waitUntil(lambda: window.context.session.stage is not Stage.VERIFICATION and not window.runner.busy, timeout=STEP_TIMEOUT_MS)


def sign_demo_contract(branch, face_model) -> str:
    """Sign one demo rental headless on ``branch`` and return its contract number."""
    with BranchRuntime(branch, face_model=face_model) as runtime:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        return session.signed.contract_no


def table_rows(table) -> list[list[str]]:
    return [[table.item(row, column).text() for column in range(table.columnCount())] for row in range(table.rowCount())]


# Tests -----------------------------------------------------------------------------


def test_keyboard_login_session_review(qtbot, open_counter, branch):
    window = open_counter()
    login = window.login
    assert focused() is login.account_edit

    type_text(qtbot, CLERK[0])
    press(qtbot, Qt.Key.Key_Return)
    assert focused() is login.pin_edit
    type_text(qtbot, CLERK[3])
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.context.actor is not None, timeout=STEP_TIMEOUT_MS)
    assert "王柜员" in window.clerk_line.text()
    assert "柜员" in window.clerk_line.text()

    page = window.session_page
    qtbot.waitUntil(lambda: focused() is page.start_button, timeout=STEP_TIMEOUT_MS)
    press(qtbot, Qt.Key.Key_Space)
    wait_stage(qtbot, window, Stage.CONSENT)

    # The customer agrees to ID processing only: the ID box ticked with Space, the face box left alone.
    # The focus starts on the ID box, never on the button that declines for the customer.
    consent = page.screens[Stage.CONSENT]
    qtbot.waitUntil(lambda: focused() is consent.id_box, timeout=STEP_TIMEOUT_MS)
    press(qtbot, Qt.Key.Key_Space)
    assert consent.id_box.isChecked()
    assert not consent.face_box.isChecked()
    tab_to(qtbot, consent.continue_button)
    press(qtbot, Qt.Key.Key_Return)
    wait_stage(qtbot, window, Stage.CLERK_REVIEW)
    assert page.current_screen is page.exit_screen
    checks = table_rows(page.clerk.table)
    expected_name = strings.text("check.face_consent", "zh") if strings.has("check.face_consent") else "face_consent"
    assert checks[0][0] == expected_name

    press(qtbot, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    review = window.review_page
    qtbot.waitUntil(lambda: bool(review.items) and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    session_id = window.context.session.session_id
    assert [item.session_id for item in review.items] == [session_id]
    assert "人脸" in table_rows(review.table)[0][4]
    tab_to(qtbot, review.reason_edit)
    type_text(qtbot, "checked in person against the card")  # QTest types ASCII only
    tab_to(qtbot, review.approve_button)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: review.notice_message == strings.message("counter.review.approved"), timeout=STEP_TIMEOUT_MS)
    wait_idle(qtbot, window)
    assert review.items == []

    press(qtbot, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(qtbot, window)
    assert window.context.actor is None
    assert window.pages.currentWidget() is login
    qtbot.waitUntil(lambda: QApplication.focusWidget() is login.account_edit, timeout=STEP_TIMEOUT_MS)
    window.shutdown()

    actions = audit_actions(branch)
    verification_id = next(subject for actor, action, subject in actions if action == "review_approved")
    assert (CLERK[0], "login", CLERK[0]) in actions
    assert (CLERK[0], "list_review_queue", "review_queue") in actions
    assert verification_id.startswith("verification:")


def test_keyboard_focus_follows_the_steps(qtbot, open_counter):
    """After each step the focus is where the clerk goes on, so Enter alone walks to the face step."""
    window = open_counter()
    sign_in(qtbot, window)
    page = window.session_page
    qtbot.waitUntil(lambda: focused() is page.start_button, timeout=STEP_TIMEOUT_MS)
    press(qtbot, Qt.Key.Key_Space)
    wait_stage(qtbot, window, Stage.CONSENT)

    consent = page.screens[Stage.CONSENT]
    qtbot.waitUntil(lambda: focused() is consent.id_box, timeout=STEP_TIMEOUT_MS)
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, consent.face_box)
    press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, consent.continue_button)
    press(qtbot, Qt.Key.Key_Return)
    wait_stage(qtbot, window, Stage.DOCUMENT)

    document = page.screens[Stage.DOCUMENT]
    qtbot.waitUntil(lambda: focused() is document.read_button, timeout=STEP_TIMEOUT_MS)
    press(qtbot, Qt.Key.Key_Return)
    licence = page.screens[Stage.LICENCE]
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    qtbot.waitUntil(lambda: focused() is licence.continue_button, timeout=STEP_TIMEOUT_MS)
    press(qtbot, Qt.Key.Key_Return)
    wait_stage(qtbot, window, Stage.FACE)
    assert page.current_screen is page.screens[Stage.FACE]


def test_login_empty_account_focuses_account(qtbot, open_counter):
    window = open_counter()
    login = window.login
    login.pin_edit.setFocus()
    login.pin_edit.setText("246810")
    press(qtbot, Qt.Key.Key_Return)
    assert login.notice.isVisible()
    assert login.notice.text() == strings.text("counter.login.missing", "zh")
    assert focused() is login.account_edit


def test_login_wrong_pin_then_lockout(qtbot, open_counter):
    window = open_counter()
    login = window.login
    for _ in range(4):
        login.account_edit.setText(CLERK[0])
        login.pin_edit.setText("999111")
        login.submit()
        wait_idle(qtbot, window)
        assert login.notice_message == strings.message("counter.login.title") or login.notice.isVisible()
    assert "不正确" in login.notice.text()

    login.account_edit.setText(CLERK[0])
    login.pin_edit.setText("999111")
    login.submit()
    wait_idle(qtbot, window)
    assert "锁定" in login.notice.text()
    assert login.pin_edit.text() == ""
    assert window.context.actor is None

    login.account_edit.setText(CLERK[0])
    login.pin_edit.setText(CLERK[3])
    login.submit()
    wait_idle(qtbot, window)
    assert window.context.actor is None, "a locked account signed in with the right PIN"


def test_typed_licence_and_face_figures(qtbot, open_counter):
    window = open_counter()
    sign_in(qtbot, window)
    page = window.session_page
    click(qtbot, page.start_button)
    wait_stage(qtbot, window, Stage.CONSENT)

    clerk = page.clerk
    edits = clerk.licence_edits
    values = {
        "number": "110105196108040013",
        "name": "王建国",
        "licence_class": "C1",
        "first_issue_date": "2001-03-15",
        "valid_from": "2019-13-15",
        "valid_to": "2029-03-15",
    }
    for field, value in values.items():
        edits[field].setText(value)
    click(qtbot, clerk.licence_button)
    assert clerk.pending_licence is None
    assert "有效起始日期" in clerk.notice.text()
    edits["valid_from"].setText("2019-03-15")
    click(qtbot, clerk.licence_button)
    assert clerk.pending_licence is not None

    consent = page.screens[Stage.CONSENT]
    consent.id_box.setChecked(True)
    consent.face_box.setChecked(True)
    click(qtbot, consent.continue_button)
    wait_stage(qtbot, window, Stage.DOCUMENT)
    click(qtbot, page.screens[Stage.DOCUMENT].read_button)
    licence = page.screens[Stage.LICENCE]
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    assert clerk.licence_state.text() == strings.text("counter.clerk.licence_used", "zh")
    assert window.context.session.reservation.licence.first_issue_date.isoformat() == "2001-03-15"
    click(qtbot, licence.continue_button)
    wait_stage(qtbot, window, Stage.FACE)
    capture_and_verify(qtbot, window)

    assert window.context.session.stage is Stage.CONTRACT
    rows = {row[0]: row for row in table_rows(clerk.table)}
    face = rows[strings.text("check.face_match", "zh")]
    assert "阈值 0.48" in face[2]
    assert "距离 0." in face[2]
    assert not clerk.override_button.isVisible()


def test_mismatch_needs_second_person_to_override(qtbot, open_counter, branch):
    window = open_counter(camera_frames=branch.home / IMPOSTOR_FRAMES)
    sign_in(qtbot, window)
    walk_to_face(qtbot, window)
    capture_and_verify(qtbot, window)
    session = window.context.session
    assert session.stage is Stage.REFUSED

    clerk = window.session_page.clerk
    assert clerk.override_button.isVisible()
    clerk.reason_edit.setText("本人持户口本到场，已人工核对")
    clerk.supervisor_edit.setText(CLERK[0])
    clerk.supervisor_pin_edit.setText(CLERK[3])
    click(qtbot, clerk.override_button)
    wait_idle(qtbot, window)
    assert session.stage is Stage.REFUSED
    assert "主管" in clerk.notice.text()

    clerk.supervisor_edit.setText(SUPERVISOR[0])
    clerk.supervisor_pin_edit.setText(SUPERVISOR[3])
    click(qtbot, clerk.override_button)
    wait_stage(qtbot, window, Stage.CONTRACT)
    face = next(check for check in session.checks if check.name == "face_match")
    assert face.details["overridden_by"] == SUPERVISOR[0]
    assert face.details["overridden_outcome"] == "fail"
    assert window.session_page.current_screen is window.session_page.screens[Stage.CONTRACT]
    verification = f"verification:{session.verification_id}"
    window.shutdown()

    actions = audit_actions(branch)
    assert (SUPERVISOR[0], "face_waived", verification) in actions
    assert (CLERK[0], "check_overridden", verification) in actions


def test_archive_search_and_audited_open(qtbot, open_counter, branch, face_model):
    contract_no = sign_demo_contract(branch, face_model)

    window = open_counter()
    sign_in(qtbot, window)
    window.show_tab(2)
    archive = window.archive_page
    by_index = {archive.by_box.itemData(index).value: index for index in range(archive.by_box.count())}

    for by, query, found in (
        ("id_number", "110105********0013", 1),
        ("id_number", "*0013", 1),
        ("id_number", "110105196108040013", 1),
        ("id_number", "*0014", 0),
        ("phone", "138 0000 0000", 1),
        ("contract_no", contract_no[:8], 1),
    ):
        archive.by_box.setCurrentIndex(by_index[by])
        archive.query_edit.setText(query)
        click(qtbot, archive.search_button)
        wait_idle(qtbot, window)
        assert len(archive.hits) == found, (by, query)
    archive.by_box.setCurrentIndex(by_index["id_number"])
    archive.query_edit.setText("1101051961*0013")
    click(qtbot, archive.search_button)
    wait_idle(qtbot, window)
    assert "110105********002X" in archive.notice.text()
    assert "手机号" not in archive.notice.text()

    # A malformed query gets the rule of its own kind only.
    archive.by_box.setCurrentIndex(by_index["phone"])
    archive.query_edit.setText("138")
    click(qtbot, archive.search_button)
    wait_idle(qtbot, window)
    assert "手机号请至少输入 7 位数字" in archive.notice.text()
    assert "身份证" not in archive.notice.text()

    archive.by_box.setCurrentIndex(by_index["id_number"])
    archive.query_edit.setText("110105*0013")
    click(qtbot, archive.search_button)
    wait_idle(qtbot, window)
    assert table_rows(archive.table) == [[contract_no, "110105********0013", archive.hits[0].reservation_no, f"{archive.hits[0].signed_at:%Y-%m-%d %H:%M}"]]
    click(qtbot, archive.open_button)
    wait_idle(qtbot, window)
    assert "目的" in archive.notice.text()
    archive.purpose_edit.setText("客户来电查询押金")
    click(qtbot, archive.open_button)
    wait_idle(qtbot, window)
    assert "王建国" in archive.details.text()
    assert "110105196108040013" not in archive.details.text()
    window.shutdown()

    actions = audit_actions(branch)
    assert (CLERK[0], "read_contract_pdf", f"contract:{contract_no}") in actions
    # Seven valid searches are audited; the malformed queries were rejected before they reached the store.
    assert sum(1 for actor, action, _ in actions if action == "search_contracts") == 7


def test_archive_pdf_view_and_sign_out(qtbot, open_counter, branch, face_model):
    contract_no = sign_demo_contract(branch, face_model)

    window = open_counter()
    sign_in(qtbot, window)
    window.show_tab(2)
    archive = window.archive_page
    assert archive.pdf_document.pageCount() == 0
    assert not archive.pdf_view.isVisible()

    archive.by_box.setCurrentIndex(archive.by_box.findData(SearchBy.CONTRACT_NO))
    archive.query_edit.setText(contract_no)
    click(qtbot, archive.search_button)
    wait_idle(qtbot, window)
    archive.purpose_edit.setText("customer asked for a copy")
    click(qtbot, archive.open_button)
    wait_idle(qtbot, window)

    qtbot.waitUntil(lambda: archive.pdf_document.status() is QPdfDocument.Status.Ready, timeout=STEP_TIMEOUT_MS)
    assert archive.pdf_document.pageCount() >= 1
    assert archive.pdf_view.isVisible()
    assert archive.pdf_view.document() is archive.pdf_document
    assert archive.pdf_view.accessibleName() == strings.text("counter.archive.pdf_view", "zh")
    assert not archive.notice.isVisible()

    click(qtbot, window.sign_out_button)
    wait_idle(qtbot, window)
    assert window.context.actor is None
    assert archive.pdf_document.pageCount() == 0
    assert archive.pdf_document.status() is not QPdfDocument.Status.Ready
    assert not archive.pdf_view.isVisible()
    assert archive.details.text() == ""


def test_device_panel(qtbot, open_counter):
    window = open_counter()
    sign_in(qtbot, window)
    press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    panel = window.device_page
    qtbot.waitUntil(lambda: "安全模块正常" in panel.values["reader"].text(), timeout=STEP_TIMEOUT_MS)
    assert "有证件" in panel.values["reader"].text()
    qtbot.waitUntil(lambda: "画面正常" in panel.values["camera"].text(), timeout=STEP_TIMEOUT_MS)
    assert panel.values["hq"].text() == strings.text("counter.devices.hq_none", "zh")
    assert not panel.sync_button.isEnabled()
    assert panel.values["last_sync"].text() == strings.text("counter.devices.never_synced", "zh")
    assert "待发送" in panel.values["outbox"].text()

    press(qtbot, Qt.Key.Key_F9)
    assert "SAM healthy" in panel.values["reader"].text()
    assert window.tabs.tabText(3).startswith("Devices")


def test_counter_font_scale_and_theme(qtbot, open_counter, branch_home):
    """[counter] font_scale and theme size and colour the counter window, independently of [kiosk]."""
    path = branch_home / "branch.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[counter]\nfont_scale = 1.5\ntheme = "high_contrast"\n', encoding="utf-8")
    config = load_config(branch_home)
    assert config.counter_font_scale == 1.5
    assert config.kiosk_font_scale == 1.0

    window = open_counter(config=config)
    login = window.login
    assert QFontInfo(login.account_edit.font()).pixelSize() == round(COUNTER_PX * 1.5)
    # High contrast: the page behind the sign-in form is black.
    page_colour = window.grab().toImage().pixelColor(2, window.height() - 3)
    assert page_colour == QColor(HIGH_CONTRAST.background)


def test_counter_default_appearance(qtbot, open_counter):
    window = open_counter()
    assert QFontInfo(window.login.account_edit.font()).pixelSize() == COUNTER_PX
    page_colour = window.grab().toImage().pixelColor(2, window.height() - 3)
    assert page_colour == QColor(STANDARD.background)


def test_sign_out_during_session_needs_second_request(qtbot, open_counter):
    window = open_counter()
    sign_in(qtbot, window)
    page = window.session_page
    click(qtbot, page.start_button)
    wait_stage(qtbot, window, Stage.CONSENT)
    consent = page.screens[Stage.CONSENT]
    # Beside a clerk, the decline button does not send the customer to the counter.
    assert consent.decline_button.text() == strings.text("consent.decline_assisted", "zh")

    click(qtbot, window.sign_out_button)
    assert window.context.actor is not None
    assert window.context.session is not None
    assert page.notice.text() == strings.text("counter.sign_out_confirm", "zh")

    click(qtbot, window.sign_out_button)
    wait_idle(qtbot, window)
    assert window.context.actor is None
    assert window.context.session is None
    assert window.pages.currentWidget() is window.login
