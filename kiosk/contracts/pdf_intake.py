"""Structural checks on PDF bytes before pyHanko validates their signatures.

:func:`inspect_pdf` walks the file's cross-reference sections itself, so that damage
gets a stable code and a sentence instead of whatever exception a parser raises. Each
case was decided as follows:

``not_pdf`` (rejected)
    No ``%PDF-x.y`` header at byte 0. Every offset in the file counts from byte 0, so
    leading bytes would also shift every object.
``truncated`` (rejected)
    No ``startxref``/``%%EOF`` at the end, or the bytes after the last complete
    update hold objects or cross-reference keywords, so an update was cut off.
``encrypted`` (rejected)
    A trailer has ``/Encrypt`` and the empty password does not open the file.
    Contracts this project seals are never encrypted, and nothing in the file can be
    read without the password.
``permission_restricted`` (rejected)
    A trailer has ``/Encrypt`` but the empty password opens it: an owner password
    only restricts what may be done with it. Such a file is a re-save of the contract,
    not the file that was sealed, so its seal is not checked.
``broken_xref`` (rejected)
    ``startxref`` or a ``/Prev`` does not lead to a cross-reference section, a section
    cannot be parsed, or an entry does not point at the object it names. Rebuilding
    the table, as PDF viewers do, would check other bytes than the ones that were
    signed (the table of the signed revision is inside the signed range), and the
    rebuilt view need not match what any viewer shows.
``hybrid_xref`` (rejected)
    A classic ``xref`` table whose trailer has ``/XRefStm``. A PDF 1.4 reader and a
    PDF 1.5 reader then resolve different objects, so two people can see two
    contracts under one seal. pyHanko 0.38 in strict mode also declines to validate
    signatures in such files, and our sealer never writes them.
``orphaned_generation`` (rejected)
    A section uses object N with generation g > 0 although no earlier section freed
    N with next generation g. Viewers disagree on what ``N 0 R`` then resolves to,
    so the signed content cannot be pinned down; pyHanko's strict reader rejects
    such files too.
``trailing_data`` (flagged, then verified)
    Bytes other than white space after the ``%%EOF`` of the last update. They belong
    to no update, so viewers ignore them, but no signature covers them either. The
    signatures are validated on the file without them, and the caller must report the
    file as "invalid" and never as covering the whole file.

:func:`inspect_pdf` never raises. It reads at most what the caller passes and does
not decrypt or render anything.
"""

import io
import logging
import re
from dataclasses import dataclass, field

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.crypt.api import AuthStatus
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

from kiosk.messages import Message

log = logging.getLogger(__name__)

NOT_PDF = "not_pdf"
TRUNCATED = "truncated"
ENCRYPTED = "encrypted"
PERMISSION_RESTRICTED = "permission_restricted"
BROKEN_XREF = "broken_xref"
HYBRID_XREF = "hybrid_xref"
ORPHANED_GENERATION = "orphaned_generation"
TRAILING_DATA = "trailing_data"
UNREADABLE = "unreadable"  # the validator sets it when pyHanko cannot read a file that passed these checks

_AGAIN = "请提供合同的原始 PDF 文件。"
_AGAIN_EN = "Please provide the original contract PDF."

MESSAGES: dict[str, Message] = {
    NOT_PDF: Message(f"该文件不是 PDF 文件，无法核验。{_AGAIN}", f"The file is not a PDF, so it cannot be verified. {_AGAIN_EN}"),
    TRUNCATED: Message(
        "合同文件不完整，可能在复制或传输中被截断，无法核验。请重新获取原始文件。",
        "The contract file is incomplete: it was probably cut off while being copied or sent. Please get the original file again.",
    ),
    ENCRYPTED: Message(
        f"合同文件已加密，需要密码才能打开。本公司签章的合同从不加密，无法核验。{_AGAIN}",
        f"The contract file is encrypted and needs a password to open. Contracts we seal are never encrypted, so it cannot be verified. {_AGAIN_EN}",
    ),
    PERMISSION_RESTRICTED: Message(
        f"合同文件被另存为带权限限制的加密文件，已不是签章时的文件，无法核验。{_AGAIN}",
        f"The contract file was re-saved with encryption and permission restrictions, so it is not the file that was sealed. {_AGAIN_EN}",
    ),
    BROKEN_XREF: Message(
        f"合同文件已损坏：交叉引用表与文件内容不符，无法核验。{_AGAIN}",
        f"The contract file is damaged: its cross-reference table does not match its contents, so it cannot be verified. {_AGAIN_EN}",
    ),
    HYBRID_XREF: Message(
        f"合同文件使用混合交叉引用格式，不同阅读器可能显示不同内容，无法核验。{_AGAIN}",
        f"The contract file uses hybrid cross-references, so different PDF readers may show different content. It cannot be verified. {_AGAIN_EN}",
    ),
    ORPHANED_GENERATION: Message(
        f"合同文件被另存时以新的代号重新定义了对象，不同阅读器可能显示不同内容，无法核验。{_AGAIN}",
        f"The contract file was re-saved with objects redefined under a new generation number, so different PDF readers may show different content. It cannot be verified. {_AGAIN_EN}",
    ),
    TRAILING_DATA: Message(
        "合同文件末尾附加了不属于文件的数据，签章不覆盖这些数据，因此核验结果为无效。",
        "Data was appended after the end of the contract file. No seal covers it, so the file is reported invalid.",
    ),
    UNREADABLE: Message(
        f"无法读取合同文件的结构，无法核验。{_AGAIN}",
        f"The structure of the contract file cannot be read, so it cannot be verified. {_AGAIN_EN}",
    ),
}

_HEADER = re.compile(rb"%PDF-[12]\.\d")
_END_OF_UPDATE = re.compile(rb"startxref\s+(\d+)\s*%%EOF")
_OBJECT_HEADER = re.compile(rb"\s*(\d+)\s+(\d+)\s+obj\b")
_SUBSECTION = re.compile(rb"\s*(\d+)\s+(\d+)\s")
_TABLE_ENTRY = re.compile(rb"\s*(\d{10})\s(\d{5})\s([fn])")
_UPDATE_KEYWORDS = re.compile(rb"\d+\s+\d+\s+obj\b|\bendobj\b|\bxref\b|\btrailer\b|\bstartxref\b")
_WHITESPACE = b"\x00\t\n\x0c\r "

# A contract has two to five updates; a chain far longer than this is a loop or an attack.
MAX_SECTIONS = 1000
# Entries reported by object number in a problem's detail; the rest are counted.
MAX_NAMED_ENTRIES = 5


@dataclass(frozen=True)
class IntakeProblem:
    """One structural finding. ``detail`` is English for logs and IT, and ``message`` is shown to people."""

    code: str
    detail: str
    rejected: bool

    @property
    def message(self) -> Message:
        return MESSAGES[self.code]

    def to_json(self) -> dict:
        return {"code": self.code, "rejected": self.rejected, "detail": self.detail, "message": self.message.to_json()}


@dataclass(frozen=True)
class PdfIntake:
    """The result of :func:`inspect_pdf`.

    ``pdf`` is the bytes to hand to the validator: the input without trailing data.
    ``revisions`` counts the cross-reference sections found (0 when the walk failed).
    """

    pdf: bytes
    problems: tuple[IntakeProblem, ...] = ()
    revisions: int = 0

    @property
    def rejection(self) -> IntakeProblem | None:
        """Return the first problem that stops validation, or None."""
        return next((problem for problem in self.problems if problem.rejected), None)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(problem.code for problem in self.problems)


@dataclass
class _Entry:
    idnum: int
    generation: int
    kind: str  # "free", "offset" or "in_stream"
    location: int  # next generation (free), byte offset (offset) or object stream number (in_stream)


@dataclass
class _Section:
    offset: int
    kind: str  # "table" or "stream"
    entries: list[_Entry] = field(default_factory=list)
    trailer: generic.DictionaryObject | None = None


class _Damage(Exception):
    """A structural fault found during the walk; ``code`` names it."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def inspect_pdf(pdf: bytes) -> PdfIntake:
    """Classify the structure of ``pdf`` and return the bytes to validate with every problem found.

    Never raises. A rejected file comes back with at least one problem whose
    ``rejected`` is true. A file with only trailing data comes back with those bytes
    cut off and a ``trailing_data`` problem.
    """
    if not _HEADER.match(pdf):
        return _reject(pdf, NOT_PDF, "the file does not start with a %PDF-x.y header")

    last_update = None
    for last_update in _END_OF_UPDATE.finditer(pdf):
        pass
    if last_update is None:
        return _reject(pdf, TRUNCATED, "no startxref and %%EOF marker found; the file ends before its cross-reference data")

    problems = []
    body = pdf
    after_marker = pdf[last_update.end():]
    trailing = after_marker.strip(_WHITESPACE)
    if trailing:
        if _UPDATE_KEYWORDS.search(trailing):
            return _reject(
                pdf, TRUNCATED, f"an update after byte {last_update.end()} is cut off before its startxref and %%EOF marker"
            )
        problems.append(
            IntakeProblem(TRAILING_DATA, f"{len(trailing)} bytes after the %%EOF at byte {last_update.end()} belong to no update", False)
        )
        # Keep the line end after %%EOF: a signature over the whole last update covers it.
        line_end = len(after_marker) - len(after_marker.lstrip(b"\r\n"))
        body = pdf[: last_update.end() + line_end]

    try:
        sections = _walk_sections(body, int(last_update.group(1)))
    except _Damage as damage:
        return _reject(pdf, damage.code, damage.detail, problems)

    problems.extend(_check_sections(body, sections))
    return PdfIntake(body, tuple(problems), len(sections))


def _reject(pdf: bytes, code: str, detail: str, earlier: list[IntakeProblem] | None = None) -> PdfIntake:
    problems = list(earlier or [])
    problems.append(IntakeProblem(code, detail, True))
    return PdfIntake(pdf, tuple(problems))


def _walk_sections(pdf: bytes, startxref: int) -> list[_Section]:
    """Read every cross-reference section from ``startxref`` along ``/Prev``; return them oldest first.

    Raises :class:`_Damage` with ``broken_xref`` when an offset leads nowhere, a section
    cannot be parsed or the chain loops.
    """
    sections = []
    seen = set()
    offset = startxref
    while offset is not None:
        if offset in seen or len(sections) >= MAX_SECTIONS:
            raise _Damage(BROKEN_XREF, f"the /Prev chain of cross-reference sections loops at byte {offset}")
        seen.add(offset)
        if offset >= len(pdf):
            raise _Damage(BROKEN_XREF, f"a cross-reference offset ({offset}) lies beyond the end of the file ({len(pdf)} bytes)")

        section = _read_section(pdf, offset)
        sections.append(section)

        previous = section.trailer.get("/Prev") if section.trailer is not None else None
        if previous is not None and not isinstance(previous, int):
            raise _Damage(BROKEN_XREF, f"the /Prev of the section at byte {offset} is not a number")
        offset = previous
    sections.reverse()
    return sections


def _read_section(pdf: bytes, offset: int) -> _Section:
    stream = io.BytesIO(pdf)
    stream.seek(offset)
    misc.skip_over_whitespace(stream)
    position = stream.tell()

    try:
        if pdf.startswith(b"xref", position):
            return _read_table(pdf, stream, position + len(b"xref"), offset)
        header = _OBJECT_HEADER.match(pdf, position)
        if header:
            return _read_stream_section(stream, header, offset)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, NotImplementedError) as error:
        raise _Damage(BROKEN_XREF, f"the cross-reference section at byte {offset} cannot be parsed: {error}") from error
    raise _Damage(BROKEN_XREF, f"byte {offset} does not start a cross-reference table or stream")


def _read_table(pdf: bytes, stream: io.BytesIO, position: int, offset: int) -> _Section:
    """Parse a classic ``xref`` table, starting after its keyword, and its ``trailer`` dictionary."""
    section = _Section(offset, "table")
    while True:
        header = _SUBSECTION.match(pdf, position)
        if header is None:
            break
        first, count = int(header.group(1)), int(header.group(2))
        position = header.end()
        for idnum in range(first, first + count):
            entry = _TABLE_ENTRY.match(pdf, position)
            if entry is None:
                raise _Damage(BROKEN_XREF, f"entry {idnum} of the table at byte {offset} is malformed")
            position = entry.end()
            value, generation, kind = int(entry.group(1)), int(entry.group(2)), entry.group(3)
            if kind == b"n":
                section.entries.append(_Entry(idnum, generation, "offset", value))
            else:
                section.entries.append(_Entry(idnum, generation, "free", generation))

    stream.seek(position)
    misc.skip_over_whitespace(stream)
    if stream.read(len(b"trailer")) != b"trailer":
        raise _Damage(BROKEN_XREF, f"the table at byte {offset} is not followed by a trailer")
    misc.skip_over_whitespace(stream)
    trailer = generic.read_object(stream, generic.TrailerReference(None))
    if not isinstance(trailer, generic.DictionaryObject):
        raise _Damage(BROKEN_XREF, f"the trailer of the table at byte {offset} is not a dictionary")
    section.trailer = trailer
    return section


def _read_stream_section(stream: io.BytesIO, header: re.Match, offset: int) -> _Section:
    """Parse a cross-reference stream (PDF 1.5); its dictionary is the section's trailer."""
    idnum, generation = int(header.group(1)), int(header.group(2))
    stream.seek(header.end())
    misc.skip_over_whitespace(stream)
    xref_stream = generic.read_object(stream, generic.Reference(idnum, generation))
    if not isinstance(xref_stream, generic.StreamObject) or xref_stream.get("/Type") != "/XRef":
        raise _Damage(BROKEN_XREF, f"object {idnum} at byte {offset} is not a cross-reference stream")

    widths = [int(width) for width in xref_stream["/W"]]
    index = [int(number) for number in xref_stream.get("/Index", [0, xref_stream["/Size"]])]
    data = xref_stream.data
    row_length = sum(widths)
    if len(widths) != 3 or row_length == 0 or len(index) % 2:
        raise _Damage(BROKEN_XREF, f"the cross-reference stream at byte {offset} has an invalid /W or /Index")

    section = _Section(offset, "stream", trailer=xref_stream)
    row = 0
    for first, count in zip(index[0::2], index[1::2]):
        for entry_id in range(first, first + count):
            fields = _stream_row(data, row * row_length, widths)
            if fields is None:
                raise _Damage(BROKEN_XREF, f"the cross-reference stream at byte {offset} ends before entry {entry_id}")
            row += 1
            kind, second, third = fields
            if kind == 0:
                section.entries.append(_Entry(entry_id, third, "free", third))
            elif kind == 1:
                section.entries.append(_Entry(entry_id, third, "offset", second))
            elif kind == 2:
                section.entries.append(_Entry(entry_id, 0, "in_stream", second))
            # Other types are reserved and read as null references, as the PDF standard says.
    return section


def _stream_row(data: bytes, start: int, widths: list[int]) -> tuple[int, int, int] | None:
    if start + sum(widths) > len(data):
        return None
    values = []
    for index, width in enumerate(widths):
        if width == 0:
            # A missing type field defaults to 1 (in use); the others default to 0.
            values.append(1 if index == 0 else 0)
            continue
        values.append(int.from_bytes(data[start:start + width], "big"))
        start += width
    return values[0], values[1], values[2]


def _check_sections(pdf: bytes, sections: list[_Section]) -> list[IntakeProblem]:
    """Return the rejections that the parsed sections show: encryption, hybrid tables, bad offsets, orphaned generations."""
    problems = []

    hybrid = [section.offset for section in sections if section.kind == "table" and "/XRefStm" in section.trailer]
    if hybrid:
        problems.append(
            IntakeProblem(HYBRID_XREF, f"the table at byte {hybrid[0]} also names a cross-reference stream (/XRefStm)", True)
        )

    if any("/Encrypt" in section.trailer for section in sections):
        problems.append(_encryption_problem(pdf))

    misplaced = _misplaced_entries(pdf, sections)
    if misplaced:
        problems.append(IntakeProblem(BROKEN_XREF, misplaced, True))

    orphans = _orphaned_generations(sections)
    if orphans:
        problems.append(IntakeProblem(ORPHANED_GENERATION, orphans, True))
    return problems


def _misplaced_entries(pdf: bytes, sections: list[_Section]) -> str | None:
    """Describe the entries whose offset does not start ``idnum generation obj``, or None when all do."""
    in_use = {entry.idnum for section in sections for entry in section.entries if entry.kind == "offset"}
    wrong = []
    for section in sections:
        for entry in section.entries:
            if entry.kind == "offset" and entry.idnum != 0:
                header = _OBJECT_HEADER.match(pdf, entry.location)
                if header is None or (int(header.group(1)), int(header.group(2))) != (entry.idnum, entry.generation):
                    wrong.append(f"{entry.idnum} {entry.generation} at byte {entry.location}")
            elif entry.kind == "in_stream" and entry.location not in in_use:
                wrong.append(f"{entry.idnum} 0 in object stream {entry.location}, which is not in the file")
    if not wrong:
        return None
    named = ", ".join(wrong[:MAX_NAMED_ENTRIES])
    more = f" and {len(wrong) - MAX_NAMED_ENTRIES} more" if len(wrong) > MAX_NAMED_ENTRIES else ""
    return f"cross-reference entries that do not point at their object ({len(wrong)}): {named}{more}"


def _orphaned_generations(sections: list[_Section]) -> str | None:
    """Describe objects used with a generation that no earlier section freed, or None when there are none."""
    freed: set[tuple[int, int]] = set()
    orphans = []
    for number, section in enumerate(sections):
        for entry in section.entries:
            if entry.kind == "offset" and entry.generation > 0 and (entry.idnum, entry.generation) not in freed:
                orphans.append(f"object {entry.idnum} generation {entry.generation} in update {number + 1}")
        freed.update((entry.idnum, entry.location) for entry in section.entries if entry.kind == "free")
    if not orphans:
        return None
    named = ", ".join(orphans[:MAX_NAMED_ENTRIES])
    more = f" and {len(orphans) - MAX_NAMED_ENTRIES} more" if len(orphans) > MAX_NAMED_ENTRIES else ""
    return f"objects used with a generation that no earlier update freed ({len(orphans)}): {named}{more}"


def _encryption_problem(pdf: bytes) -> IntakeProblem:
    """Tell a file that needs a password from one that opens without one but restricts permissions."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        result = reader.decrypt(b"")
        encrypt_dict = reader.encrypt_dict
    except (PdfError, ValueError, KeyError, TypeError, NotImplementedError) as error:
        log.info("encrypted PDF: the empty password cannot be tried: %s: %s", type(error).__name__, error)
        return IntakeProblem(ENCRYPTED, f"the file is encrypted with a security handler that needs a key or password ({type(error).__name__})", True)

    if result.status == AuthStatus.FAILED:
        return IntakeProblem(ENCRYPTED, "the file is encrypted and the empty password does not open it", True)
    flags = int(encrypt_dict.get("/P", 0)) if encrypt_dict is not None else 0
    return IntakeProblem(
        PERMISSION_RESTRICTED, f"the file is encrypted but opens without a password; its permission flags (/P) are {flags}", True
    )
