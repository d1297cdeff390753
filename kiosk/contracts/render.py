"""Rendering a checked contract as an A4 PDF/A-2b file in Chinese with English beside it.

The last page carries an empty box for the signature. Its page and position are
returned so that the sealer can put the visible signature field exactly there.
Every character is drawn with the first font that has it; when none has it, nothing
is rendered and :class:`kiosk.contracts.fonts.GlyphMissing` names the character.
"""

import io
import logging
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.contracts.drafting import ContractDraft
from kiosk.contracts.fonts import GlyphMissing, Typesetter, contract_fonts
from kiosk.contracts.formatting import format_timestamp, format_value
from kiosk.contracts.pdfa import ArchivalMetadata, archival_canvas_maker
from kiosk.contracts.template import ContractTemplate
from kiosk.rental import Branch

log = logging.getLogger(__name__)

SIGNATURE_BOX_SIZE = (70 * mm, 26 * mm)


@dataclass(frozen=True)
class SignatureBox:
    """Position of the signature field: zero-based page index and (x1, y1, x2, y2) in points."""

    page_index: int
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class RenderedContract:
    pdf: bytes
    signature_box: SignatureBox


@dataclass(frozen=True)
class Acknowledgement:
    """A clause the customer confirmed, and when."""

    clause_id: str
    at: datetime


class _SignaturePlaceholder(Flowable):
    """An outlined box that records where on which page it was drawn."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self.position: SignatureBox | None = None

    def draw(self) -> None:
        self.canv.setStrokeColor(colors.grey)
        self.canv.setDash(2, 2)
        self.canv.rect(0, 0, self.width, self.height)
        x1, y1 = self.canv.absolutePosition(0, 0)
        self.position = SignatureBox(
            page_index=self.canv.getPageNumber() - 1,
            box=(round(x1), round(y1), round(x1 + self.width), round(y1 + self.height)),
        )


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=1),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=15, alignment=1, textColor=colors.grey),
        "heading": ParagraphStyle("heading", parent=base, fontSize=11, leading=16, spaceBefore=8),
        "body": base,
        "english": ParagraphStyle("english", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444")),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey),
    }


def _draw_runs(canvas: Canvas, x: float, y: float, runs: list[tuple[str, str]], size: float, align_right: bool = False) -> None:
    """Draw ``(font, text)`` runs on one line starting at ``x``, or ending there when ``align_right``."""
    if align_right:
        x -= sum(stringWidth(text, font, size) for font, text in runs)
    for font, text in runs:
        canvas.setFont(font, size)
        canvas.drawString(x, y, text)
        x += stringWidth(text, font, size)


def render_contract(
    draft: ContractDraft,
    template: ContractTemplate,
    branch: Branch,
    acknowledgements: list[Acknowledgement],
    rendered_at: datetime,
) -> RenderedContract:
    """Render ``draft`` to PDF/A-2b bytes, dated ``rendered_at`` (which must carry its UTC offset).

    Raises :class:`kiosk.errors.FontMissing` without a CJK font, and its subclass
    :class:`kiosk.contracts.fonts.GlyphMissing`, before anything is drawn, when no font
    has a glyph for a character of the contract.
    """
    fonts = contract_fonts()
    typeset = Typesetter(fonts)
    styles = _styles(fonts.main)
    story: list[Flowable] = []

    story.append(Paragraph(typeset.markup(template.title.zh, "title"), styles["title"]))
    story.append(Paragraph(typeset.markup(template.title.en, "title"), styles["subtitle"]))
    story.append(Spacer(1, 4 * mm))

    rows = []
    for spec in template.fields:
        place = f"field {spec.name}"
        label = Paragraph(
            f"{typeset.markup(spec.label.zh, place)}<br/>"
            f"<font size=7.5 color='#666666'>{typeset.markup(spec.label.en, place)}</font>",
            styles["body"],
        )
        value = Paragraph(typeset.markup(format_value(draft.values.get(spec.name), spec.type), place), styles["body"])
        rows.append([label, value])
    table = Table(rows, colWidths=[45 * mm, 120 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.main),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F4F6F8")),
            ]
        )
    )
    story.append(table)

    story.append(Paragraph(typeset.markup("合同条款 Terms", "headings"), styles["heading"]))
    for number, clause in enumerate(draft.clauses, start=1):
        place = f"clause {clause.clause_id}"
        marker = " ★" if clause.must_acknowledge else ""
        story.append(
            KeepTogether(
                [
                    Paragraph(typeset.markup(f"{number}. {clause.title.zh} {clause.title.en}{marker}", place), styles["heading"]),
                    Paragraph(typeset.markup(clause.text.zh, place), styles["body"]),
                    Paragraph(typeset.markup(clause.text.en, place), styles["english"]),
                ]
            )
        )

    story.append(Paragraph(typeset.markup("条款确认记录 Acknowledgements", "headings"), styles["heading"]))
    titles = {clause.clause_id: clause.title for clause in draft.clauses}
    for acknowledgement in acknowledgements:
        title = titles.get(acknowledgement.clause_id)
        label = f"{title.zh} {title.en}" if title else acknowledgement.clause_id
        line = f"★ {label} — 承租方已确认 acknowledged {format_timestamp(acknowledgement.at)}"
        story.append(Paragraph(typeset.markup(line, f"acknowledgement {acknowledgement.clause_id}"), styles["small"]))

    placeholder = _SignaturePlaceholder(*SIGNATURE_BOX_SIZE)
    signature_block = [
        Spacer(1, 6 * mm),
        Paragraph(typeset.markup("承租方签名 Lessee signature", "signature block"), styles["body"]),
        placeholder,
        Paragraph(typeset.markup(f"签署时间 Signed: {format_timestamp(rendered_at)}", "signature block"), styles["body"]),
        Paragraph(
            typeset.markup(
                f"出租方（电子签章）Lessor (electronic seal): {branch.company_zh} {branch.company_en}", "signature block"
            ),
            styles["body"],
        ),
        Paragraph(
            typeset.markup(
                "承租方的手写签名图像由出租方的电子签章一并封存，签章后对本文件的任何改动均可被检测。"
                "The lessee's handwritten signature is sealed with the lessor's electronic seal; "
                "any change to this file after sealing can be detected.",
                "signature block",
            ),
            styles["small"],
        ),
    ]
    story.append(KeepTogether(signature_block))

    reference_runs = typeset.runs(f"{draft.contract_number} · {template.template_id} v{template.version}", "footer")
    notice_runs = typeset.runs("本合同以电子签章封存，任何改动均可被检测。Sealed electronically; any later change can be detected.", "footer")
    typeset.runs("第 0123456789 页 Page", "footer")  # every character a page number line can hold

    try:
        typeset.raise_if_missing()
    except GlyphMissing as error:
        log.error("contract %s not rendered: %s", draft.contract_number, error)
        raise

    def footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.grey)
        _draw_runs(canvas, document.leftMargin, 12 * mm, reference_runs, 7.5)
        page_runs = typeset.runs(f"第 {document.page} 页 Page {document.page}", "footer")
        _draw_runs(canvas, A4[0] - document.rightMargin, 12 * mm, page_runs, 7.5, align_right=True)
        _draw_runs(canvas, document.leftMargin, 8.5 * mm, notice_runs, 7.5)
        canvas.restoreState()

    metadata = ArchivalMetadata(
        title=f"{template.title.zh} {draft.contract_number}",
        author=branch.company_zh,
        subject=f"{template.title.zh} {template.title.en}",
        keywords=f"{draft.contract_number}, {template.template_id} v{template.version}",
        creator="CounterSign",
        created_at=rendered_at,
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        initialFontName=fonts.main,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=archival_canvas_maker(metadata))

    if placeholder.position is None:
        raise AssertionError("signature placeholder was not drawn")
    return RenderedContract(pdf=buffer.getvalue(), signature_box=placeholder.position)
