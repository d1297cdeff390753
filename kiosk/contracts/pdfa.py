"""PDF/A-2b for contract PDFs that reportlab writes: XMP metadata, the sRGB output intent, file syntax.

reportlab 5.1 (the open-source edition) has no PDF/A mode. A document built with the
canvas from :func:`archival_canvas_maker` gets what PDF/A-2b (ISO 19005-2) asks of it
beyond embedded fonts: an XMP packet that says PDF/A-2b and repeats the Info dictionary,
an sRGB output intent for the device colours reportlab uses, and an end-of-line marker
before every ``endstream``. Fonts are the business of :mod:`kiosk.contracts.fonts`.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFCatalog,
    PDFDictionary,
    PDFDocument,
    PDFInfo,
    PDFName,
    PDFObject,
    PDFStream,
    PDFString,
)
from reportlab.pdfgen.canvas import Canvas

from kiosk.errors import SealingError
from resources import RESOURCES_DIR

SRGB_PROFILE = RESOURCES_DIR / "icc" / "sRGB.icc"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
PDF_VERSION = (1, 7)  # PDF/A-2 is built on ISO 32000-1, which is PDF 1.7

# Set on a reportlab PDFDocument that must be written as PDF/A.
_ARCHIVAL_FLAG = "countersign_pdfa"
# CR LF, not LF alone: data that ends in CR followed by LF reads as data plus CR LF,
# one byte shorter than /Length says.
_ENDSTREAM = b"\r\nendstream\n"
_install_lock = threading.Lock()


@dataclass(frozen=True)
class ArchivalMetadata:
    """Document information, written the same way to the Info dictionary and to the XMP packet.

    ``created_at`` must carry its UTC offset; it is both the creation and the modification time.
    """

    title: str
    author: str
    subject: str
    keywords: str
    creator: str
    created_at: datetime
    language: str = "zh-CN"


def pdf_date(moment: datetime) -> str:
    """Format an aware time as a PDF date string: "D:20261205100100+08'00'"."""
    offset = moment.strftime("%z")
    return f"D:{moment:%Y%m%d%H%M%S}{offset[:3]}'{offset[3:]}'"


def xmp_date(moment: datetime) -> str:
    """Format an aware time as an XMP date, to the second: "2026-12-05T10:01:00+08:00"."""
    return moment.replace(microsecond=0).isoformat()


def xmp_packet(metadata: ArchivalMetadata) -> bytes:
    """Return the XMP packet, UTF-8, that identifies the file as PDF/A-2b and repeats its Info entries.

    There is no ``pdf:Producer``, for the reason given at :class:`_ArchivalInfo`.
    """
    created = xmp_date(metadata.created_at)
    packet = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(metadata.title)}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{escape(metadata.author)}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{escape(metadata.subject)}</rdf:li></rdf:Alt></dc:description>
   <dc:language><rdf:Bag><rdf:li>{escape(metadata.language)}</rdf:li></rdf:Bag></dc:language>
   <pdf:Keywords>{escape(metadata.keywords)}</pdf:Keywords>
   <xmp:CreatorTool>{escape(metadata.creator)}</xmp:CreatorTool>
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:ModifyDate>{created}</xmp:ModifyDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return packet.encode("utf-8")


class _ArchivalCatalog(PDFCatalog):
    """reportlab's document catalog with /OutputIntents, a key its own catalog never writes."""

    __NoDefault__ = PDFCatalog.__NoDefault__ + ["OutputIntents"]


class _ArchivalInfo(PDFInfo):
    """The Info dictionary, written from :class:`ArchivalMetadata` whatever reportlab set.

    NOTE: it has no /Producer. When sealing, pyHanko 0.38 appends its name to an existing
    /Producer but sets the XMP ``pdf:Producer`` to its name alone, so the two would differ,
    which PDF/A forbids. Without one, both read "pyHanko 0.38.0" after sealing.
    """

    def __init__(self, metadata: ArchivalMetadata) -> None:
        super().__init__()
        self.metadata = metadata

    def format(self, document) -> bytes:
        metadata = self.metadata
        created = PDFString(pdf_date(metadata.created_at))
        entries = {
            "Title": PDFString(metadata.title),
            "Author": PDFString(metadata.author),
            "Subject": PDFString(metadata.subject),
            "Keywords": PDFString(metadata.keywords),
            "Creator": PDFString(metadata.creator),
            "CreationDate": created,
            "ModDate": created,
        }
        return PDFDictionary(entries).format(document)


class _MetadataStream(PDFObject):
    """The XMP packet as a stream without filters: PDF/A forbids a /Filter on the metadata stream."""

    __RefOnly__ = 1

    def __init__(self, packet: bytes) -> None:
        self.packet = packet

    def format(self, document) -> bytes:
        dictionary = PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML"), "Length": len(self.packet)})
        return dictionary.format(document) + b"\nstream\n" + self.packet + _ENDSTREAM


def _install_endstream_eol() -> None:
    """Make reportlab put an end-of-line marker before ``endstream`` in PDF/A documents.

    NOTE: reportlab 5.1 writes stream data straight up to ``endstream``. PDF/A-2 (6.1.7.1)
    requires an EOL there that /Length does not count. This wraps ``PDFStream.format`` once
    per process; documents without the PDF/A flag come out byte for byte as before.
    """
    with _install_lock:
        if getattr(PDFStream.format, _ARCHIVAL_FLAG, False):
            return
        reportlab_format = PDFStream.format

        def format_with_eol(stream: PDFStream, document) -> bytes:
            formatted = reportlab_format(stream, document)
            if not getattr(document, _ARCHIVAL_FLAG, False):
                return formatted
            if not formatted.endswith(b"endstream\n"):
                raise AssertionError("reportlab no longer ends a stream with 'endstream'; revisit pdfa.py")
            return formatted[: -len(b"endstream\n")] + _ENDSTREAM

        setattr(format_with_eol, _ARCHIVAL_FLAG, True)
        PDFStream.format = format_with_eol


def _load_srgb_profile() -> bytes:
    try:
        return SRGB_PROFILE.read_bytes()
    except OSError as error:
        raise SealingError(
            f"sRGB output intent profile {SRGB_PROFILE} cannot be read ({error}); reinstall CounterSign"
        ) from error


def _make_archival(document: PDFDocument, metadata: ArchivalMetadata, profile: bytes) -> None:
    catalog = document.Catalog
    catalog.__class__ = _ArchivalCatalog
    catalog.Lang = PDFString(metadata.language)
    catalog.Metadata = _MetadataStream(xmp_packet(metadata))

    icc_stream = PDFStream(PDFDictionary({"N": 3}), profile)
    output_intent = PDFDictionary(
        {
            "Type": PDFName("OutputIntent"),
            "S": PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": PDFString(OUTPUT_CONDITION),
            "Info": PDFString(OUTPUT_CONDITION),
            "DestOutputProfile": document.Reference(icc_stream),
        }
    )
    catalog.OutputIntents = PDFArray([output_intent])

    document.info = _ArchivalInfo(metadata)
    setattr(document, _ARCHIVAL_FLAG, True)


def archival_canvas_maker(metadata: ArchivalMetadata) -> Callable[..., Canvas]:
    """Return a ``canvasmaker`` for reportlab's ``build`` whose document is written as PDF/A-2b.

    The Info dictionary and the XMP packet both come from ``metadata``; titles and authors
    set on the document template are not written. Raises ``ValueError`` when
    ``metadata.created_at`` has no UTC offset, and :class:`kiosk.errors.SealingError`
    when the shipped sRGB profile cannot be read.
    """
    if metadata.created_at.utcoffset() is None:
        raise ValueError("PDF/A dates need a UTC offset; pass an aware created_at")
    profile = _load_srgb_profile()
    _install_endstream_eol()

    def make_canvas(filename, **options) -> Canvas:
        options["pdfVersion"] = PDF_VERSION
        canvas = Canvas(filename, **options)
        _make_archival(canvas._doc, metadata, profile)
        return canvas

    return make_canvas
