"""Finding and registering a font with Chinese glyphs for contract PDFs.

reportlab embeds TrueType outlines only, so the font must be TrueType: a ``.ttf`` file
or a ``.ttc`` collection of TrueType fonts. The CFF-based Noto CJK files do not
qualify. Debian's ``fonts-wqy-microhei`` package is the default.
"""

import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from kiosk.errors import FontMissing

FONT_NAME = "CounterSignCJK"
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
)
_lock = threading.Lock()
_registered: Path | None = None


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


def register_cjk_font(configured: Path | None = None) -> str:
    """Register the font with reportlab once per process and return its name."""
    global _registered
    with _lock:
        if _registered is None:
            path = find_cjk_font(configured)
            options = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), **options))
            _registered = path
    return FONT_NAME
