"""The contract screen offscreen: reading to the end before confirming, and the reading data stored.

Runs the real kiosk on a demo branch, as tests/test_kiosk_ui.py does, and reads what the
store kept for the signed contract.
"""

import json
import time

import pytest

from kiosk.session import Stage
from kiosk.store.evidence import read_evidence
from kiosk.ui.qt import Qt
from kiosk.ui.screens.contract import ReadingCoverage
from tests.test_kiosk_ui import (  # noqa: F401  (fixtures used by name)
    STEP_TIMEOUT_MS,
    branch_config,
    click,
    draw_signature,
    open_kiosk,
    read_to_end,
    run_on_worker,
    tick,
    wait_idle_on,
    walk_to_face,
)

pytestmark = pytest.mark.gui

TICK_PAUSE_MS = 150


def walk_to_contract(qtbot, window):
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
    return contract


def stored_reading(runtime, contract_no: str):
    """Read the reading time, acknowledgements and evidence record of a contract; runs on the store's thread."""
    connection = runtime.database.connection
    seconds, acknowledgements = connection.execute(
        "SELECT reading_seconds, acknowledgements FROM contracts WHERE contract_no = ?", (contract_no,)
    ).fetchone()
    return seconds, json.loads(acknowledgements), read_evidence(connection, contract_no)


def test_confirm_needs_every_page_and_stores_reading(qtbot, open_kiosk):
    window = open_kiosk()
    runtime = window.context.runtime
    before_contract = time.monotonic()
    contract = walk_to_contract(qtbot, window)
    bar = contract.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 2 * bar.pageStep(), timeout=STEP_TIMEOUT_MS)

    assert not contract.confirm_button.isEnabled()
    assert contract.scroll_hint.isVisible()
    assert "读完整份合同" in contract.scroll_hint.text()

    # Jumping from the first page to the last is not reading the pages between.
    bar.setValue(bar.maximum())
    assert not contract.read_to_end
    assert not contract.confirm_button.isEnabled()

    bar.setValue(0)
    presses = read_to_end(qtbot, contract)
    assert presses >= 2
    assert contract.confirm_button.isEnabled()
    assert not contract.scroll_hint.isVisible()

    session = window.context.session
    ticked_order = session.clauses_to_acknowledge
    for clause_id in ticked_order:
        tick(qtbot, contract, clause_id)
        qtbot.wait(TICK_PAUSE_MS)
    click(qtbot, contract.confirm_button)
    sign = window.screens[Stage.SIGN]
    wait_idle_on(qtbot, window, Stage.SIGN)
    confirmed_within = time.monotonic() - before_contract
    draw_signature(qtbot, sign.canvas)
    click(qtbot, sign.submit_button)
    wait_idle_on(qtbot, window, Stage.DONE)

    contract_no = session.signed.contract_no
    seconds, acknowledgements, evidence = run_on_worker(qtbot, window, lambda: stored_reading(runtime, contract_no))
    assert 0.9 * len(ticked_order) * TICK_PAUSE_MS / 1000 <= seconds <= confirmed_within
    ticks = {entry["clause"]: entry["ticked_after_seconds"] for entry in acknowledgements}
    assert set(ticks) == set(ticked_order)
    tick_times = [ticks[clause_id] for clause_id in ticked_order]
    assert tick_times == sorted(tick_times)
    # QTest.qWait can return a few milliseconds early, hence 90% of the pause.
    assert all(later - earlier >= 0.9 * TICK_PAUSE_MS / 1000 for earlier, later in zip(tick_times, tick_times[1:])), tick_times
    assert tick_times[-1] <= seconds
    assert evidence is not None
    assert evidence.sequence >= 1


def test_contract_fitting_the_screen_needs_no_scrolling(qtbot, open_kiosk):
    window = open_kiosk()
    window.resize(1280, 6000)
    contract = walk_to_contract(qtbot, window)

    qtbot.waitUntil(contract.confirm_button.isEnabled, timeout=STEP_TIMEOUT_MS)
    assert contract.scroll.verticalScrollBar().maximum() == 0
    assert contract.read_to_end


def test_unticked_box_drops_its_tick_time(qtbot, open_kiosk):
    window = open_kiosk()
    contract = walk_to_contract(qtbot, window)
    first = window.context.session.clauses_to_acknowledge[0]

    tick(qtbot, contract, first)
    assert first in contract._ticked_after
    qtbot.mouseClick(contract.clause_boxes[first], Qt.MouseButton.LeftButton, pos=contract.clause_boxes[first].rect().center())
    assert not contract.clause_boxes[first].isChecked()
    assert first not in contract._ticked_after


@pytest.mark.parametrize(
    ("ranges", "height", "covered"),
    [
        ([(0, 500)], 500, True),
        ([(0, 400), (600, 1000)], 1000, False),
        ([(0, 400), (400, 800), (700, 1000)], 1000, True),
        ([(600, 1000), (0, 650)], 1000, True),
        ([(100, 1000)], 1000, False),
        ([], 0, False),
    ],
)
def test_reading_coverage_merges_ranges(ranges, height, covered):
    coverage = ReadingCoverage()
    for top, bottom in ranges:
        coverage.add(top, bottom)
    assert coverage.covers(height) is covered
