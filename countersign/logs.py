"""Private, rotated log files for the kiosk: 0600 files in a 0700 folder.

Nothing logged may contain a full ID number, a face, a key or a passphrase; callers
log masked numbers and ids only.
"""

import logging
import logging.handlers
import os
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates every log file, including rotated ones, readable by the owner only."""

    def _open(self):
        previous = os.umask(0o077)
        try:
            return super()._open()
        finally:
            os.umask(previous)


def configure_logging(log_dir: Path, verbose: bool = False) -> Path:
    """Log to ``log_dir/countersign.log`` (5 × 2 MB) and warnings to stderr; return the file path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(log_dir, 0o700)
    path = log_dir / "countersign.log"

    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_countersign", False):
            root.removeHandler(handler)
            handler.close()

    file_handler = _PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler._countersign = True  # type: ignore[attr-defined]

    console = logging.StreamHandler()
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console._countersign = True  # type: ignore[attr-defined]

    root.addHandler(file_handler)
    root.addHandler(console)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # pyHanko and the certificate validator are chatty at INFO about routine steps.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return path
