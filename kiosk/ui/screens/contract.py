"""The contract screen: the filled contract to read to its end, one checkbox per key clause, and confirm.

The confirm button stays disabled until every part of the contract has been in view.
The screen measures how long the contract was shown and when each key clause was
ticked, and sends both with the ticked clauses, so that they are stored as evidence.
"""

from kiosk.checks import Outcome
from kiosk.contracts.drafting import ContractDraft
from kiosk.contracts.formatting import format_value
from kiosk.contracts.template import ClauseSpec, FieldSpec
from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message
from kiosk.session import RentalSession, StageRecord
from kiosk.ui import session_ops, strings
from kiosk.ui.context import KioskContext
from kiosk.ui.operations import Operation
from kiosk.ui.qt import (
    QCheckBox,
    QElapsedTimer,
    QEvent,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMouseEvent,
    QObject,
    QScrollArea,
    QScroller,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from kiosk.ui.screens.base import Screen
from kiosk.ui.style import set_paragraph
from kiosk.ui.translation import TextBindings

# Fields that hold an ID number. The screen shows them masked because people queueing
# behind the customer can read it. The signed PDF carries the full number.
_MASKED_SOURCES = frozenset({"identity.number", "licence.number"})


class ReadingCoverage:
    """The parts of a document that have been in view, as merged pixel ranges from its top."""

    def __init__(self) -> None:
        self._ranges: list[tuple[int, int]] = []

    def add(self, top: int, bottom: int) -> None:
        """Record that rows ``top`` up to ``bottom`` (exclusive) were in view."""
        if bottom <= top:
            return
        merged: list[tuple[int, int]] = []
        for start, end in sorted([*self._ranges, (top, bottom)]):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        self._ranges = merged

    def covers(self, height: int) -> bool:
        """Return whether rows 0 up to ``height`` have all been in view."""
        return bool(self._ranges) and self._ranges[0][0] <= 0 and self._ranges[0][1] >= height


def acknowledge_with_reading(
    session: RentalSession, clause_ids: list[str], reading_seconds: float, ticked_after_seconds: dict[str, float]
) -> Operation:
    """Build the operation that sends the ticked clauses and the reading data to ``session.acknowledge``."""
    # TODO: move to kiosk.ui.session_ops.acknowledge, whose factory takes only the clause ids.
    ids = list(clause_ids)
    ticks = dict(ticked_after_seconds)
    return Operation(
        "acknowledge",
        "busy.acknowledging",
        lambda: session.acknowledge(ids, reading_seconds=reading_seconds, ticked_after_seconds=ticks),
        session.session_id,
    )


class ContractScreen(Screen):
    """Prepares the contract on entry, shows its fields and clauses, and sends the ticked clauses.

    The screen does not decide which clauses are enough: it sends the ids of the ticked
    boxes to ``session.acknowledge``. After a ``retry`` outcome the screen shows the
    session's list of the clauses still to confirm.

    ``read_to_end`` turns true once every part of the contract has been in view, and
    stays true; only then is the confirm button enabled. The reading time runs from
    the moment the contract is shown to the press of the confirm button.
    """

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, self._title)
        self.add_label("contract.hint")

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.scroll.verticalScrollBar().valueChanged.connect(self._note_visible_part)
        self.body.addWidget(self.scroll, 1)

        # The request to read to the end sits in a margin along the bottom of the contract's
        # view. Once all of the contract has been in view, the view takes the margin back.
        self.scroll_hint = QLabel(self.scroll)
        self.scroll_hint.setObjectName("moreBelow")
        self.scroll_hint.setWordWrap(True)
        self.scroll_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.texts.bind(self.scroll_hint.setText, "contract.scroll_hint")
        self.scroll.installEventFilter(self)
        # Two columns of fields fit the display only with the default type.
        self._field_columns = 2 if context.runtime.config.kiosk_font_scale < 1.2 else 1

        self.confirm_button = self.add_button("contract.confirm", self._confirm, primary=True, name="confirmButton")
        self.clause_boxes: dict[str, QCheckBox] = {}
        self.read_to_end = False
        self._coverage = ReadingCoverage()
        self._shown = QElapsedTimer()
        self._ticked_after: dict[str, float] = {}
        self._content_texts = TextBindings()
        self._content: QWidget | None = None
        self._clear_content()

    def _title(self) -> Message:
        services = self.context.runtime.services
        return services.template.title if services is not None else strings.message("contract.title")

    # Life cycle ----------------------------------------------------------------

    def enter(self) -> None:
        super().enter()
        self._clear_content()
        if self.session.draft is None:
            self.start(session_ops.prepare_contract(self.session), self._on_prepared)
        else:
            self._show_draft(self.session.draft)

    def clear(self) -> None:
        super().clear()
        self._clear_content()

    def focus_target(self) -> QWidget | None:
        """Return the contract's view, where Page Down reads on, until the confirm button is enabled."""
        return super().focus_target() or self.scroll

    def retranslate(self) -> None:
        super().retranslate()
        self._content_texts.apply(self.language)
        self._place_scroll_hint()

    def _on_prepared(self, record: StageRecord) -> None:
        if record.outcome is Outcome.PASS and self.session.draft is not None:
            self._show_draft(self.session.draft)
            return
        self.handle_record(record)

    def _confirm(self) -> None:
        self.show_notice(None)
        ticked = [clause_id for clause_id, box in self.clause_boxes.items() if box.isChecked()]
        # The button is enabled only after the contract was shown, so the timer runs.
        reading_seconds = self._shown.elapsed() / 1000
        ticks = {clause_id: self._ticked_after[clause_id] for clause_id in ticked if clause_id in self._ticked_after}
        self.start(acknowledge_with_reading(self.session, ticked, reading_seconds, ticks), self.handle_record)

    # Reading -------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The first check of what is in view waits for the content's layout: a resize
        # follows it for a long contract, and a layout request (checked once it has been
        # handled) for a contract short enough to need no scrolling.
        if watched is self._content:
            if event.type() == QEvent.Type.Resize:
                self._note_visible_part()
            elif event.type() == QEvent.Type.LayoutRequest:
                QTimer.singleShot(0, self._note_visible_part)
        elif watched is self.scroll and event.type() == QEvent.Type.Resize:
            self._place_scroll_hint()
        return super().eventFilter(watched, event)

    def _place_scroll_hint(self) -> None:
        """Lay the request to read on along the bottom of the contract's view, or give its margin back once hidden."""
        if self.scroll_hint.isHidden():
            self.scroll.setViewportMargins(0, 0, 0, 0)
            return
        frame = self.scroll.frameWidth()
        width = self.scroll.width() - 2 * frame
        height = self.scroll_hint.heightForWidth(width)
        self.scroll.setViewportMargins(0, 0, 0, height)
        self.scroll_hint.setGeometry(frame, self.scroll.height() - frame - height, width, height)

    def _note_visible_part(self, _value: int = 0) -> None:
        """Add the part of the contract now in view to the coverage; enable confirm once all was in view."""
        content = self._content
        if content is None or self.read_to_end or not self._shown.isValid():
            return
        # Until its layout has run, the content keeps a stale height, which would make a
        # long contract look fully visible. The height the layout needs at the current
        # width is the test: the minimum size hint is taken at the narrowest width, where
        # wrapped text is taller than it ever is on screen.
        layout = content.layout()
        if layout is None:
            return
        needed = layout.totalHeightForWidth(content.width()) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
        if content.height() < needed:
            return

        # NOTE: coverage is kept in pixels of the layout at the time. A language switch
        # or a resize reflows the text, so earlier coverage then maps to it only roughly.
        top = -content.y()
        self._coverage.add(top, top + self.scroll.viewport().height())
        if self._coverage.covers(content.height()):
            self.read_to_end = True
            self.scroll_hint.hide()
            self._place_scroll_hint()
            self.confirm_button.setEnabled(True)

    def _note_tick(self, clause_id: str, checked: bool) -> None:
        if checked and self._shown.isValid():
            self._ticked_after[clause_id] = self._shown.elapsed() / 1000
        else:
            self._ticked_after.pop(clause_id, None)

    # Content -------------------------------------------------------------------

    def _clear_content(self) -> None:
        self._content_texts.clear()
        self.clause_boxes = {}
        self.read_to_end = False
        self._coverage = ReadingCoverage()
        self._shown.invalidate()
        self._ticked_after = {}
        if self._content is not None:
            self._content.removeEventFilter(self)
            self._content.setParent(None)
            self._content.deleteLater()
        self._content = QWidget()
        self._content.setObjectName("page")
        self._content.installEventFilter(self)
        self.scroll.setWidget(self._content)
        self.scroll_hint.show()
        self._place_scroll_hint()
        self.confirm_button.setEnabled(False)

    def _show_draft(self, draft: ContractDraft) -> None:
        template = self.session.services.template
        content = self._content
        assert content is not None
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 16, 0)
        layout.setSpacing(16)

        layout.addWidget(self._subtitle("contract.fields", content))
        layout.addWidget(self._fields_card(draft, template.fields, content))
        layout.addWidget(self._subtitle("contract.clauses", content))
        for clause in draft.clauses:
            layout.addWidget(self._clause_card(clause, content))
        layout.addStretch(1)

        self._content_texts.apply(self.language)
        self._shown.start()

    def _subtitle(self, key: str, parent: QWidget) -> QLabel:
        label = QLabel(parent)
        label.setObjectName("subtitle")
        self._content_texts.bind(label.setText, key)
        return label

    def _fields_card(self, draft: ContractDraft, fields: tuple[FieldSpec, ...], parent: QWidget) -> QFrame:
        card = QFrame(parent)
        card.setObjectName("card")
        grid = QGridLayout(card)
        grid.setContentsMargins(24, 16, 24, 16)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for index, spec in enumerate(fields):
            row, column = divmod(index, self._field_columns)
            label = QLabel(card)
            label.setObjectName("muted")
            label.setWordWrap(True)
            self._content_texts.bind(label.setText, spec.label)
            value = QLabel(self._display_value(draft, spec), card)
            value.setObjectName(f"field-{spec.name}")
            value.setWordWrap(True)
            grid.addWidget(label, row, column * 2, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, column * 2 + 1, Qt.AlignmentFlag.AlignTop)
        return card

    @staticmethod
    def _display_value(draft: ContractDraft, spec: FieldSpec) -> str:
        value = draft.values.get(spec.name)
        if spec.source in _MASKED_SOURCES and isinstance(value, str):
            return mask_id_number(value)
        return format_value(value, spec.type)

    def _clause_card(self, clause: ClauseSpec, parent: QWidget) -> QFrame:
        card = QFrame(parent)
        card.setObjectName("card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(8)

        title = QLabel(card)
        title.setObjectName("checkName")
        title.setWordWrap(True)
        suffix = strings.message("contract.must_acknowledge")
        if clause.must_acknowledge:
            self._content_texts.bind(
                title.setText, Message(f"{clause.title.zh}{suffix.zh}", f"{clause.title.en} {suffix.en}")
            )
        else:
            self._content_texts.bind(title.setText, clause.title)
        layout.addWidget(title)

        text = QLabel(card)
        text.setWordWrap(True)
        self._content_texts.bind(lambda value, label=text: set_paragraph(label, value), clause.text)
        layout.addWidget(text)

        if clause.must_acknowledge:
            # A check box's own text never wraps, and with large type a clause's title makes
            # it wider than the display, so the box has a word-wrapped label beside it that
            # ticks it too.
            row = QHBoxLayout()
            box = QCheckBox(card)
            box.setObjectName(f"ack-{clause.clause_id}")
            caption = _TickingLabel(box, card)
            caption.setObjectName("ackText")
            template = strings.message("contract.acknowledge")
            box_text = Message(template.zh.format(title=clause.title.zh), template.en.format(title=clause.title.en))
            self._content_texts.bind(caption.setText, box_text)
            self._content_texts.bind(box.setAccessibleName, box_text)
            box.toggled.connect(lambda checked, clause_id=clause.clause_id: self._note_tick(clause_id, checked))
            row.addWidget(box, 0, Qt.AlignmentFlag.AlignVCenter)
            row.addWidget(caption, 1)
            layout.addLayout(row)
            self.clause_boxes[clause.clause_id] = box
        return card


class _TickingLabel(QLabel):
    """A word-wrapped label that toggles its check box when pressed, as the box's own text would."""

    def __init__(self, box: QCheckBox, parent: QWidget) -> None:
        super().__init__(parent)
        self._box = box
        self.setWordWrap(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self._box.toggle()
        event.accept()
