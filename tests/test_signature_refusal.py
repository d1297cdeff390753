"""A rejected signature names its reason, and the sign screen sends no empty canvas.

The unit tests feed strokes to :func:`check_signature`. The kiosk tests draw with mouse
events on the real sign screen of an offscreen kiosk, on a real demo branch.
"""

import math

import pytest

from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.runtime import BranchRuntime
from devices.signature_pad import Signature, SimulatedSignaturePad, StrokePoint
from kiosk.checks import Outcome
from kiosk.contracts.signature_image import check_signature
from kiosk.errors import (
    SignatureBlank,
    SignatureDot,
    SignatureLine,
    SignatureRejected,
    SignatureTooShort,
    user_message,
)
from kiosk.session import Stage
from kiosk.ui.qt import Qt
from tests.test_kiosk_ui import (  # noqa: F401  (fixtures used by name)
    STEP_TIMEOUT_MS,
    branch_config,
    click,
    draw_signature,
    open_kiosk,
    pad_position,
    read_to_end,
    tick,
    wait_idle_on,
)
from tests.test_kiosk_ui_contract import walk_to_contract

WIDTH, HEIGHT = 960, 320
REASONS = (SignatureBlank, SignatureDot, SignatureLine, SignatureTooShort)


def _stroke(coordinates) -> list[StrokePoint]:
    return [StrokePoint(round(x, 1), round(y, 1), 0.5, index * 10) for index, (x, y) in enumerate(coordinates)]


def _line(start, end, count=60, wobble=0.0) -> list[StrokePoint]:
    """Points from ``start`` to ``end``, each pushed up to ``wobble`` units off the line, as a hand does."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0)
    normal = (-(y1 - y0) / length, (x1 - x0) / length)
    points = []
    for step in range(count):
        share = step / (count - 1)
        off = wobble * math.sin(step * 1.7)
        points.append((x0 + share * (x1 - x0) + off * normal[0], y0 + share * (y1 - y0) + off * normal[1]))
    return _stroke(points)


def _circle(centre, radius, count=40, turns=2) -> list[StrokePoint]:
    cx, cy = centre
    return _stroke(
        (cx + radius * math.cos(2 * math.pi * turns * step / count), cy + radius * math.sin(2 * math.pi * turns * step / count))
        for step in range(count)
    )


CASES = [
    ("blank", [], SignatureBlank),
    ("tap", [_stroke([(300, 150), (300, 150)])], SignatureDot),
    ("short flick", [_line((300, 150), (340, 190), count=12)], SignatureDot),
    ("finger held still", [_stroke([(300 + step % 3, 150 + step % 5) for step in range(40)])], SignatureDot),
    ("level line", [_line((40, 240), (920, 240))], SignatureLine),
    ("slanted line", [_line((40, 300), (920, 20))], SignatureLine),
    ("upright line", [_line((480, 10), (480, 310))], SignatureLine),
    ("shaky line", [_line((40, 280), (920, 60), wobble=4.0)], SignatureLine),
    ("two collinear dashes", [_line((40, 200), (400, 200)), _line((520, 200), (920, 200))], SignatureLine),
    ("flat zigzag", [_stroke((40 + step * 8, 200 + (step % 2) * 10) for step in range(110))], SignatureLine),
    ("small loops", [_circle((480, 160), 20)], SignatureTooShort),
]


@pytest.mark.parametrize(("strokes", "reason"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_check_signature_names_reason(strokes, reason):
    with pytest.raises(SignatureRejected) as raised:
        check_signature(Signature(WIDTH, HEIGHT, strokes))
    assert type(raised.value) is reason, str(raised.value)


def test_check_signature_accepts_handwriting():
    check_signature(SimulatedSignaturePad().capture())
    check_signature(SimulatedSignaturePad(WIDTH, HEIGHT).capture())


def test_each_reason_has_own_message():
    messages = [user_message(reason("detail")) for reason in REASONS]
    generic = SignatureRejected.message
    for reason, message in zip(REASONS, messages):
        assert message == reason.message
        assert message.zh != generic.zh, reason.__name__
        assert message.en != generic.en, reason.__name__
        assert any("\u4e00" <= character <= "\u9fff" for character in message.zh), reason.__name__
        assert message.en.isascii(), reason.__name__
    assert len({message.zh for message in messages}) == len(REASONS)
    assert len({message.en for message in messages}) == len(REASONS)


@pytest.fixture
def session_at_sign(branch_home, face_model):
    """Yield a session of a real demo branch runtime that has reached the sign stage."""
    runtime = BranchRuntime(load_config(branch_home), face_model=face_model).start()
    try:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        steps = [session.start, lambda: session.give_consent(True, True), session.read_document, session.check_licence,
                 session.capture_face, session.verify, session.prepare_contract,
                 lambda: session.acknowledge(session.clauses_to_acknowledge)]
        for step in steps:
            assert step().outcome is Outcome.PASS
        assert session.stage is Stage.SIGN
        yield session
    finally:
        runtime.stop()



def test_session_returns_reason_message(session_at_sign):
    session = session_at_sign

    record = session.sign(Signature(600, 200, [_line((20, 180), (580, 20))]))

    assert record.outcome is Outcome.RETRY
    assert record.reason == SignatureLine.message
    assert session.stage is Stage.SIGN


# Kiosk ---------------------------------------------------------------------------


def _walk_to_sign(qtbot, window):
    contract = walk_to_contract(qtbot, window)
    read_to_end(qtbot, contract)
    for clause_id in window.context.session.clauses_to_acknowledge:
        tick(qtbot, contract, clause_id)
    click(qtbot, contract.confirm_button)
    wait_idle_on(qtbot, window, Stage.SIGN)
    return window.screens[Stage.SIGN]


def _draw_line(qtbot, canvas, start: tuple[float, float], end: tuple[float, float], steps: int = 40) -> None:
    """Draw a straight stroke from ``start`` to ``end``, both in pad units, with mouse events."""
    (x0, y0), (x1, y1) = start, end
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=pad_position(canvas, x0, y0))
    for step in range(1, steps):
        share = step / steps
        qtbot.mouseMove(canvas, pad_position(canvas, x0 + share * (x1 - x0), y0 + share * (y1 - y0)))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=pad_position(canvas, x1, y1))


def _tap(qtbot, canvas, x: float, y: float) -> None:
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=pad_position(canvas, x, y))


def _submit_and_wait_notice(qtbot, window, sign) -> None:
    click(qtbot, sign.submit_button)
    qtbot.waitUntil(lambda: sign.notice.isVisible() and not window.runner.busy, timeout=STEP_TIMEOUT_MS)


def test_sign_screen_submit_needs_ink(qtbot, open_kiosk):
    window = open_kiosk()
    sign = _walk_to_sign(qtbot, window)
    assert sign.canvas.point_count == 0
    assert not sign.submit_button.isEnabled()

    _tap(qtbot, sign.canvas, 300, 150)
    assert sign.canvas.point_count == 2
    assert sign.submit_button.isEnabled()
    click(qtbot, sign.clear_button)
    assert sign.canvas.point_count == 0
    assert not sign.submit_button.isEnabled()

    draw_signature(qtbot, sign.canvas)
    assert sign.submit_button.isEnabled()
    click(qtbot, sign.clear_button)
    assert not sign.submit_button.isEnabled()
    assert window.context.session.stage is Stage.SIGN


def test_sign_screen_shows_each_reason(qtbot, open_kiosk):
    window = open_kiosk()
    sign = _walk_to_sign(qtbot, window)

    _tap(qtbot, sign.canvas, 300, 150)
    _submit_and_wait_notice(qtbot, window, sign)
    assert sign.notice.text() == SignatureDot.message.zh
    assert sign.canvas.point_count == 0
    assert not sign.submit_button.isEnabled()

    _draw_line(qtbot, sign.canvas, (40, 300), (920, 30))
    _submit_and_wait_notice(qtbot, window, sign)
    assert sign.notice.text() == SignatureLine.message.zh
    assert not sign.submit_button.isEnabled()

    click(qtbot, window.language_button)
    assert sign.notice.text() == SignatureLine.message.en
    assert window.current_screen is sign
    assert window.context.session.stage is Stage.SIGN

    draw_signature(qtbot, sign.canvas)
    assert not sign.notice.isVisible()
    click(qtbot, sign.submit_button)
    wait_idle_on(qtbot, window, Stage.DONE)
    assert window.context.session.stage is Stage.DONE
