"""Rendering a checked contract as an A4 PDF in Chinese with English beside it.

The last page carries an empty box for the signature. Its page and position are
returned so that the sealer can put the visible signature field exactly there.
"""

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.contracts.drafting import ContractDraft
from kiosk.contracts.fonts import register_cjk_font
from kiosk.contracts.formatting import format_timestamp, format_value
from kiosk.contracts.template import ContractTemplate
from kiosk.rental import Branch

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


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_contract(
    draft: ContractDraft,
    template: ContractTemplate,
    branch: Branch,
    acknowledgements: list[Acknowledgement],
    rendered_at: datetime,
) -> RenderedContract:
    """Render ``draft`` to PDF bytes; raises :class:`kiosk.errors.FontMissing` without a CJK font."""
    font = register_cjk_font()
    styles = _styles(font)
    story: list[Flowable] = []

    story.append(Paragraph(_escape(template.title.zh), styles["title"]))
    story.append(Paragraph(_escape(template.title.en), styles["subtitle"]))
    story.append(Spacer(1, 4 * mm))

    rows = []
    for spec in template.fields:
        label = Paragraph(f"{_escape(spec.label.zh)}<br/><font size=7.5 color='#666666'>{_escape(spec.label.en)}</font>", styles["body"])
        value = Paragraph(_escape(format_value(draft.values.get(spec.name), spec.type)), styles["body"])
        rows.append([label, value])
    table = Table(rows, colWidths=[45 * mm, 120 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F4F6F8")),
            ]
        )
    )
    story.append(table)

    story.append(Paragraph("合同条款 Terms", styles["heading"]))
    for number, clause in enumerate(draft.clauses, start=1):
        marker = " ★" if clause.must_acknowledge else ""
        story.append(
            KeepTogether(
                [
                    Paragraph(f"{number}. {_escape(clause.title.zh)} {_escape(clause.title.en)}{marker}", styles["heading"]),
                    Paragraph(_escape(clause.text.zh), styles["body"]),
                    Paragraph(_escape(clause.text.en), styles["english"]),
                ]
            )
        )

    story.append(Paragraph("条款确认记录 Acknowledgements", styles["heading"]))
    titles = {clause.clause_id: clause.title for clause in draft.clauses}
    for acknowledgement in acknowledgements:
        title = titles.get(acknowledgement.clause_id)
        label = f"{title.zh} {title.en}" if title else acknowledgement.clause_id
        story.append(
            Paragraph(
                f"★ {_escape(label)} — 承租方已确认 acknowledged {format_timestamp(acknowledgement.at)}",
                styles["small"],
            )
        )

    placeholder = _SignaturePlaceholder(*SIGNATURE_BOX_SIZE)
    signature_block = [
        Spacer(1, 6 * mm),
        Paragraph("承租方签名 Lessee signature", styles["body"]),
        placeholder,
        Paragraph(f"签署时间 Signed: {format_timestamp(rendered_at)}", styles["body"]),
        Paragraph(
            f"出租方（电子签章）Lessor (electronic seal): {_escape(branch.company_zh)} {_escape(branch.company_en)}",
            styles["body"],
        ),
        Paragraph(
            "承租方的手写签名图像由出租方的电子签章一并封存，签章后对本文件的任何改动均可被检测。"
            "The lessee's handwritten signature is sealed with the lessor's electronic seal; "
            "any change to this file after sealing can be detected.",
            styles["small"],
        ),
    ]
    story.append(KeepTogether(signature_block))

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(document.leftMargin, 12 * mm, f"{draft.contract_number} · {template.template_id} v{template.version}")
        canvas.drawRightString(A4[0] - document.rightMargin, 12 * mm, f"第 {document.page} 页 Page {document.page}")
        canvas.drawString(
            document.leftMargin,
            8.5 * mm,
            "本合同以电子签章封存，任何改动均可被检测。Sealed electronically; any later change can be detected.",
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{template.title.zh} {draft.contract_number}",
        author=branch.company_zh,
        creator="CounterSign",
        initialFontName=font,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)

    if placeholder.position is None:
        raise AssertionError("signature placeholder was not drawn")
    return RenderedContract(pdf=buffer.getvalue(), signature_box=placeholder.position)
