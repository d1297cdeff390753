"""Private, rotated log files for the kiosk: 0600 files in a 0700 folder.

Nothing logged may contain a full ID number, a face, a key or a passphrase; callers
log masked numbers and ids only. Tracebacks go to the file; the terminal gets one
line per warning or error from CounterSign's own packages.
"""

import logging
import logging.handlers
import os
from datetime import datetime
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OWN_PACKAGES = ("countersign", "kiosk", "devices", "sync", "qt")


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates every log file, including rotated ones, readable by the owner only."""

    def _open(self):
        previous = os.umask(0o077)
        try:
            return super()._open()
        finally:
            os.umask(previous)


class _IsoFormatter(logging.Formatter):
    """Writes times as ISO 8601 with the UTC offset, so logs from branches in other zones compare."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class _OneLineFormatter(logging.Formatter):
    """Formats a record without its traceback, for the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname} {record.name}: {record.getMessage()}"


def _for_terminal(record: logging.LogRecord) -> bool:
    """Keep CounterSign's own records that were not marked ``extra={"console": False}``."""
    return record.name.split(".")[0] in OWN_PACKAGES and getattr(record, "console", True)


def _for_quiet_terminal(record: logging.LogRecord) -> bool:
    """Without -v, keep only the entry point's warnings: a command reports its domain's findings itself."""
    return _for_terminal(record) and record.name.split(".")[0] == "countersign"


def configure_logging(log_dir: Path | None, verbose: bool = False) -> Path | None:
    """Log to ``log_dir/countersign.log`` (5 × 2 MB) and to stderr; return the file path.

    stderr gets every CounterSign record from INFO with ``verbose``, and otherwise only
    the warnings of the entry point (``countersign.*``).

    With ``log_dir`` of ``None`` only the terminal gets log lines. Raises ``OSError``
    when the folder cannot be created.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_countersign", False):
            root.removeHandler(handler)
            handler.close()

    console = logging.StreamHandler()
    console.setFormatter(_OneLineFormatter())
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    console.addFilter(_for_terminal if verbose else _for_quiet_terminal)
    console._countersign = True  # type: ignore[attr-defined]
    root.addHandler(console)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # pyHanko and the certificate validator are chatty at INFO about routine steps.
    for name in ("pyhanko", "pyhanko_certvalidator", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)

    if log_dir is None:
        return None
    log_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(log_dir, 0o700)
    path = log_dir / "countersign.log"
    file_handler = _PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(_IsoFormatter(LOG_FORMAT))
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler._countersign = True  # type: ignore[attr-defined]
    root.addHandler(file_handler)
    return path
