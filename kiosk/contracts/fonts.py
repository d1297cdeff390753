"""Fonts for contract PDFs: finding them, registering them with reportlab and choosing one per character.

reportlab embeds TrueType outlines only, so every font must be TrueType: a ``.ttf`` file
or a ``.ttc`` collection of TrueType fonts. The CFF-based Noto CJK files do not
qualify. Debian's ``fonts-wqy-microhei`` is the main font. Debian's ``fonts-hanazono``
fills in what it lacks: HanaMinA has CJK Extension A, HanaMinB Extensions B and C.
A character that no font has is never drawn as an empty box: :class:`GlyphMissing` names it.
"""

import logging
import os
import struct
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from kiosk.errors import FontMissing
from kiosk.messages import Message

log = logging.getLogger(__name__)

FONT_NAME = "CounterSignCJK"
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
FALLBACKS = (
    Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf"),
    Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
)

# Paragraphs lay these out as spaces, so they never need a glyph of their own.
_LAYOUT_WHITESPACE = frozenset("\t\n\r\x0b\x0c")
# reportlab draws a no-break space with the glyph of U+0020.
_DRAWN_AS = {"\u00a0": " "}

_lock = threading.Lock()
_chain: "FontChain | None" = None


def code_point(character: str) -> str:
    """Return the Unicode code point of one character as written in standards: "U+4DAE"."""
    return f"U+{ord(character):04X}"


class GlyphMissing(FontMissing):
    """Text to be drawn contains characters that no configured font has a glyph for.

    ``places`` maps each character to where it occurs ("field lessee_name"); the customer's
    message names every character with its code point.
    """

    def __init__(self, places: Mapping[str, Sequence[str]], fonts: Sequence[Path]) -> None:
        self.characters = tuple(places)
        self.places = {character: tuple(where) for character, where in places.items()}
        located = "; ".join(f"{code_point(c)} in {', '.join(where)}" for c, where in self.places.items())
        detail = (
            f"no configured font has a glyph for {located} (fonts tried: {', '.join(str(p) for p in fonts)}); "
            "install a TrueType font that has them (Debian: fonts-hanazono) or set COUNTERSIGN_CJK_FONT"
        )
        listed_zh = "、".join(f"“{c}”（{code_point(c)}）" for c in self.characters)
        listed_en = ", ".join(f"“{c}” ({code_point(c)})" for c in self.characters)
        message = Message(
            f"合同中有本机字体无法显示的字：{listed_zh}。合同未生成，请联系工作人员。",
            f"The contract contains characters that the fonts on this terminal cannot print: {listed_en}. "
            "The contract was not created. Please ask a member of staff.",
        )
        super().__init__(detail, message)


def _to_unicode_cmap(subset: Sequence[int]) -> str:
    """Return the ToUnicode CMap of one single-byte font subset; ``subset[code]`` is a code point.

    Code points past U+FFFF are written as UTF-16 surrogate pairs, as PDF requires. Codes
    mapped to 0 are unused and left out.
    """
    entries = [
        f"<{code:02X}> <{chr(character).encode('utf-16-be').hex().upper()}>"
        for code, character in enumerate(subset)
        if character
    ]
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<00> <FF>",
        "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):  # at most 100 entries a block (PDF 1.7, 9.10.3)
        block = entries[start : start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines.extend(block)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


def _restore_trailing_advances(font: TTFont) -> None:
    """Give glyphs past ``hhea.numberOfHMetrics`` the advance width the font file gives them.

    NOTE: reportlab 5.1 records the advance of those glyphs already scaled to 1000 units per
    em and embeds that number in the subset's ``hmtx``, so their width disagrees with the
    font's /Widths entry, which PDF/A forbids. All three default fonts have such glyphs.
    """
    face = font.face
    (metrics_count,) = struct.unpack(">H", face.get_table("hhea")[34:36])
    last_advance = face.hmetrics[metrics_count - 1][0]
    for glyph in range(metrics_count, len(face.hmetrics)):
        face.hmetrics[glyph] = (last_advance, face.hmetrics[glyph][1])


class _UnicodeTTFont(TTFont):
    """A reportlab TrueType font whose embedded subsets map every code back to its character.

    NOTE: reportlab 5.1 writes each ToUnicode entry as four hex digits, which garbles
    characters past U+FFFF (CJK Extension B and later) in text extraction, so the CMaps
    are rewritten after reportlab has made the subsets.
    """

    def __init__(self, name: str, path: Path) -> None:
        options = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
        super().__init__(name, str(path), shapable=False, **options)
        _restore_trailing_advances(self)

    def addObjects(self, doc) -> None:
        state = self.state.get(doc)
        subsets = [list(subset) for subset in state.subsets] if state is not None else []
        names = [self.getSubsetInternalName(index, doc)[1:] for index in range(len(subsets))]

        super().addObjects(doc)

        fonts = doc.idToObject["BasicFonts"].dict
        for name, subset in zip(names, subsets):
            to_unicode = doc.idToObject[fonts[name].ToUnicode.name]
            to_unicode.content = _to_unicode_cmap(subset)


@dataclass(frozen=True)
class ContractFont:
    """A registered font: its reportlab name, its file and the code points it has glyphs for."""

    name: str
    path: Path
    glyphs: Mapping[int, int]


class FontChain:
    """The main font and its fallbacks, in order; each character is drawn with the first that has it."""

    def __init__(self, fonts: Sequence[ContractFont]) -> None:
        if not fonts:
            raise ValueError("a font chain needs at least one font")
        self.fonts = tuple(fonts)

    @property
    def main(self) -> str:
        return self.fonts[0].name

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(font.path for font in self.fonts)

    def font_for(self, character: str) -> str | None:
        """Return the name of the first font with a glyph for ``character``, or ``None``."""
        if character in _LAYOUT_WHITESPACE:
            return self.main
        key = ord(_DRAWN_AS.get(character, character))
        for font in self.fonts:
            if key in font.glyphs:
                return font.name
        return None

    def missing(self, text: str) -> list[str]:
        """Return the distinct characters of ``text`` that no font has, in order of appearance."""
        return list(dict.fromkeys(c for c in text if self.font_for(c) is None))


class Typesetter:
    """Splits contract text into runs of one font each and records characters that no font has.

    Missing characters are left out of the runs, so the caller must call :meth:`raise_if_missing`
    before anything it built is drawn.
    """

    def __init__(self, chain: FontChain) -> None:
        self.chain = chain
        self._missing: dict[str, list[str]] = {}

    def runs(self, text: str, place: str) -> list[tuple[str, str]]:
        """Return ``(font name, text)`` runs for ``text``, noting where a missing character occurs."""
        runs: list[tuple[str, str]] = []
        for character in text:
            font = self.chain.font_for(character)
            if font is None:
                places = self._missing.setdefault(character, [])
                if place not in places:
                    places.append(place)
                continue
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + character)
            else:
                runs.append((font, character))
        return runs

    def markup(self, text: str, place: str) -> str:
        """Return ``text`` escaped as Paragraph markup; runs outside the main font name their font."""
        parts = []
        for font, run in self.runs(text, place):
            escaped = escape(run)
            parts.append(escaped if font == self.chain.main else f'<font name="{font}">{escaped}</font>')
        return "".join(parts)

    def raise_if_missing(self) -> None:
        """Raise :class:`GlyphMissing` naming every missing character seen so far, if there is one."""
        if self._missing:
            raise GlyphMissing(self._missing, self.chain.paths)


def find_cjk_font(configured: Path | None = None) -> Path:
    """Return the configured font, ``$COUNTERSIGN_CJK_FONT`` or the first candidate present."""
    choices = [configured] if configured else []
    if os.environ.get("COUNTERSIGN_CJK_FONT"):
        choices.append(Path(os.environ["COUNTERSIGN_CJK_FONT"]))
    choices.extend(CANDIDATES)
    for path in choices:
        if path is not None and path.is_file():
            return path
    raise FontMissing(
        "no TrueType font with Chinese glyphs found; install the Debian package fonts-wqy-microhei "
        "or set COUNTERSIGN_CJK_FONT"
    )


def _register(name: str, path: Path) -> ContractFont:
    font = _UnicodeTTFont(name, path)
    pdfmetrics.registerFont(font)
    return ContractFont(name, path, font.face.charToGlyph)


def contract_fonts(configured: Path | None = None) -> FontChain:
    """Register the main font and the fallbacks present, once per process, and return them in order.

    Raises :class:`kiosk.errors.FontMissing` when no main font is found. Missing fallbacks
    are logged, because then only the main font's characters can be printed.
    """
    global _chain
    with _lock:
        if _chain is None:
            main = find_cjk_font(configured)
            fonts = [_register(FONT_NAME, main)]
            fallbacks = [path for path in FALLBACKS if path != main]
            for number, path in enumerate((path for path in fallbacks if path.is_file()), start=1):
                fonts.append(_register(f"{FONT_NAME}-Fallback{number}", path))
            absent = [str(path) for path in fallbacks if not path.is_file()]
            if absent:
                log.warning(
                    "fallback fonts not found: %s; contracts can only use characters of %s "
                    "(install the Debian package fonts-hanazono)",
                    ", ".join(absent),
                    main,
                )
            _chain = FontChain(fonts)
    return _chain
