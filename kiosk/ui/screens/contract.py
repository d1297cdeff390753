"""The contract screen: the filled contract to read, one checkbox per key clause, and confirm."""

from kiosk.checks import Outcome
from kiosk.contracts.drafting import ContractDraft
from kiosk.contracts.formatting import format_value
from kiosk.contracts.template import ClauseSpec, FieldSpec
from kiosk.identity.id_number import mask_id_number
from kiosk.messages import Message
from kiosk.session import StageRecord
from kiosk.ui import session_ops, strings
from kiosk.ui.context import KioskContext
from kiosk.ui.qt import QCheckBox, QFrame, QGridLayout, QLabel, QScrollArea, QScroller, Qt, QVBoxLayout, QWidget
from kiosk.ui.screens.base import Screen
from kiosk.ui.style import set_paragraph
from kiosk.ui.translation import TextBindings

# Fields that hold an ID number. The screen shows them masked because people queueing
# behind the customer can read it. The signed PDF carries the full number.
_MASKED_SOURCES = frozenset({"identity.number", "licence.number"})


class ContractScreen(Screen):
    """Prepares the contract on entry, shows its fields and clauses, and sends the ticked clauses.

    The screen does not decide which clauses are enough: it sends the ids of the ticked
    boxes to ``session.acknowledge``. After a ``retry`` outcome the screen shows the
    session's list of the clauses still to confirm.
    """

    def __init__(self, context: KioskContext) -> None:
        super().__init__(context, self._title)
        self.add_label("contract.hint")

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        QScroller.grabGesture(self.scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.body.addWidget(self.scroll, 1)

        self.confirm_button = self.add_button("contract.confirm", self._confirm, primary=True, name="confirmButton")
        self.clause_boxes: dict[str, QCheckBox] = {}
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

    def retranslate(self) -> None:
        super().retranslate()
        self._content_texts.apply(self.language)

    def _on_prepared(self, record: StageRecord) -> None:
        if record.outcome is Outcome.PASS and self.session.draft is not None:
            self._show_draft(self.session.draft)
            return
        self.handle_record(record)

    def _confirm(self) -> None:
        self.show_notice(None)
        ticked = [clause_id for clause_id, box in self.clause_boxes.items() if box.isChecked()]
        self.start(session_ops.acknowledge(self.session, ticked), self.handle_record)

    # Content -------------------------------------------------------------------

    def _clear_content(self) -> None:
        self._content_texts.clear()
        self.clause_boxes = {}
        if self._content is not None:
            self._content.setParent(None)
            self._content.deleteLater()
        self._content = QWidget()
        self._content.setObjectName("page")
        self.scroll.setWidget(self._content)
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

        self.confirm_button.setEnabled(True)
        self._content_texts.apply(self.language)

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
            row, column = divmod(index, 2)
            label = QLabel(card)
            label.setObjectName("muted")
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
            box = QCheckBox(card)
            box.setObjectName(f"ack-{clause.clause_id}")
            template = strings.message("contract.acknowledge")
            box_text = Message(template.zh.format(title=clause.title.zh), template.en.format(title=clause.title.en))
            self._content_texts.bind(box.setText, box_text)
            layout.addWidget(box, 0, Qt.AlignmentFlag.AlignLeft)
            self.clause_boxes[clause.clause_id] = box
        return card
