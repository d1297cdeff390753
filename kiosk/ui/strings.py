"""The kiosk screens' own strings, looked up by catalogue key in the compiled Qt Linguist files.

resources/translations/countersign_zh_CN.ts and countersign_en.ts are the source of
every string here; the build compiles them to .qm with lrelease. To add a string, run
``tools/strings_to_ts.py add KEY CHINESE ENGLISH`` (it edits both .ts files and compiles
them), or edit the .ts files in Qt Linguist and run ``tools/strings_to_ts.py compile``.

Screens look strings up when they display them, never at import time, so a language
switch takes effect on the next retranslation. Sentences that come from the session
(reasons, check results) arrive as :class:`kiosk.messages.Message` and are not here.
"""

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from kiosk.messages import Message
from kiosk.ui.linguist import FILE_STEMS, TRANSLATIONS_DIR, qm_path, read_catalogue
from kiosk.ui.qt import QTranslator


class CatalogueMissing(FileNotFoundError):
    """A compiled .qm file is missing or Qt cannot load it."""


class Catalogue:
    """The compiled strings of both display languages, read through one QTranslator each.

    Lookups only read the translators, so any thread may call them once the catalogue
    is built.
    """

    def __init__(self, folder: Path = TRANSLATIONS_DIR) -> None:
        """Load each language's .qm from ``folder``. Raises :class:`CatalogueMissing` when one does not load."""
        self.folder = folder
        self._translators: dict[str, QTranslator] = {}
        for language in FILE_STEMS:
            path = qm_path(language, folder)
            translator = QTranslator()
            if not translator.load(str(path)):
                raise CatalogueMissing(
                    f"compiled translations {path} missing or unreadable; run 'make setup' or 'tools/strings_to_ts.py compile'"
                )
            self._translators[language] = translator

    def lookup(self, key: str, language: str) -> str:
        """Return the text of ``key`` in ``language`` ("zh" or "en"), or "" for a key the catalogue lacks."""
        # An id-based message is stored under the unnamed context, with its id as the source.
        return self._translators[language].translate("", key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self.lookup(key, "zh"))

    def message(self, key: str) -> Message:
        """Return ``key`` in both languages. Raises ``KeyError`` when either language lacks it."""
        zh, en = self.lookup(key, "zh"), self.lookup(key, "en")
        if not zh or not en:
            raise KeyError(f"no translation of {key!r} in {self.folder}; add it with tools/strings_to_ts.py add")
        return Message(zh, en)


_catalogue: Catalogue | None = None
_catalogue_lock = threading.Lock()


def catalogue() -> Catalogue:
    """Return the catalogue of the installed .qm files, loading it on the first call."""
    global _catalogue
    with _catalogue_lock:
        if _catalogue is None:
            _catalogue = Catalogue()
        return _catalogue


def message(key: str) -> Message:
    """Return the catalogue entry ``key`` as a Message. Raises ``KeyError`` for an unknown key."""
    return catalogue().message(key)


def text(key: str, language: str) -> str:
    """Return the catalogue entry ``key`` in ``language`` ("zh" or "en"; other codes get Chinese)."""
    return message(key).text(language)


def has(key: str) -> bool:
    """Return whether the catalogue has ``key``."""
    return key in catalogue()


class _CatalogueView(Mapping[str, tuple[str, str]]):
    """A read-only key -> (Chinese, English) view, for code written when the catalogue was a dict.

    Lookups go through the compiled catalogue. Iterating reads the .ts files, which are
    installed beside the .qm files. New code calls :func:`has` and :func:`message`.
    """

    def __getitem__(self, key: str) -> tuple[str, str]:
        found = message(key)
        return found.zh, found.en

    def __contains__(self, key: object) -> bool:
        return key in catalogue()

    def __iter__(self) -> Iterator[str]:
        return iter(read_catalogue(catalogue().folder))

    def __len__(self) -> int:
        return len(read_catalogue(catalogue().folder))


CATALOGUE: Mapping[str, tuple[str, str]] = _CatalogueView()
