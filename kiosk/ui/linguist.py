"""Read, change and compile the kiosk's Qt Linguist (.ts) files, the source of every screen string.

Each string is an id-based message, as Qt's ``qtTrId`` uses them: the id is the catalogue
key ("welcome.title"), ``<source>`` is the English text that translators read, and each
language's file contains that language's ``<translation>``. lrelease 6.12 indexes a message
by its id only when the message sits in a context with an empty name, so each file has
exactly one context, and it has no name.
"""

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from resources import RESOURCES_DIR

TRANSLATIONS_DIR = RESOURCES_DIR / "translations"

# Display language code -> file name without its suffix, and the Qt locale name in the file.
FILE_STEMS = {"zh": "countersign_zh_CN", "en": "countersign_en"}
QT_LOCALES = {"zh": "zh_CN", "en": "en"}
SOURCE_LANGUAGE = "en"

# A Chinese translation without Chinese characters, or equal to the English, is an error
# unless the message carries this element: for product names, and for the language button,
# which names English in English. Linguist keeps "extra-" elements as they are.
NOT_CHINESE = "extra-not-chinese"

_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'


class TsFileError(ValueError):
    """A .ts file that cannot be parsed or does not have the layout described in this module."""


@dataclass(frozen=True)
class TsMessage:
    """One message of one language's file."""

    key: str
    source: str  # the English text translators read
    translation: str
    finished: bool  # False when Linguist or this module marked the translation type="unfinished"
    not_chinese: bool  # carries the NOT_CHINESE mark


def ts_path(language: str, folder: Path = TRANSLATIONS_DIR) -> Path:
    return folder / f"{FILE_STEMS[language]}.ts"


def qm_path(language: str, folder: Path = TRANSLATIONS_DIR) -> Path:
    return folder / f"{FILE_STEMS[language]}.qm"


# Reading ------------------------------------------------------------------------


def read_messages(path: Path) -> dict[str, TsMessage]:
    """Return the messages of the .ts file at ``path`` by key, in file order.

    Raises :class:`TsFileError` for a file that is not a TS document, a message without
    an id, a duplicate id, or a message outside the unnamed context.
    """
    root = _parse(path)
    messages: dict[str, TsMessage] = {}
    for context in root.iter("context"):
        name = (context.findtext("name") or "").strip()
        for element in context.iter("message"):
            key = element.get("id")
            if not key:
                raise TsFileError(f"{path}: a message with source {element.findtext('source')!r} has no id attribute")
            if name:
                raise TsFileError(f"{path}: message {key} is in context {name!r}; id-based messages need the unnamed context")
            if key in messages:
                raise TsFileError(f"{path}: message id {key} appears twice")
            translation = element.find("translation")
            messages[key] = TsMessage(
                key=key,
                source=element.findtext("source") or "",
                translation=(translation.text or "") if translation is not None else "",
                finished=translation is not None and translation.get("type") not in ("unfinished", "obsolete", "vanished"),
                not_chinese=element.find(NOT_CHINESE) is not None,
            )
    return messages


def read_catalogue(folder: Path = TRANSLATIONS_DIR) -> dict[str, tuple[str, str]]:
    """Return key -> (Chinese, English) from both .ts files in ``folder``, in the Chinese file's order.

    Raises :class:`TsFileError` when a key is in one file only.
    """
    chinese = read_messages(ts_path("zh", folder))
    english = read_messages(ts_path("en", folder))
    only_one = sorted(set(chinese) ^ set(english))
    if only_one:
        raise TsFileError(f"keys present in only one of the .ts files in {folder}: {', '.join(only_one)}")
    return {key: (message.translation, english[key].translation) for key, message in chinese.items()}


def _parse(path: Path) -> ElementTree.Element:
    try:
        root = ElementTree.parse(path, parser=ElementTree.XMLParser(target=ElementTree.TreeBuilder(insert_comments=True))).getroot()
    except ElementTree.ParseError as error:
        raise TsFileError(f"{path} is not well-formed XML: {error}") from error
    if root.tag != "TS":
        raise TsFileError(f"{path}: the root element is <{root.tag}>, expected <TS>")
    return root


# Changing -----------------------------------------------------------------------


def add_strings(
    entries: Mapping[str, tuple[str, str]],
    folder: Path = TRANSLATIONS_DIR,
    replace: bool = False,
    not_chinese: frozenset[str] = frozenset(),
) -> tuple[list[str], list[str]]:
    """Add key -> (Chinese, English) ``entries`` to both .ts files in ``folder``; return (added, skipped) keys.

    A key already in the files keeps its texts and is listed as skipped when they differ,
    unless ``replace`` is true. A new key goes after the last key with the same prefix
    ("busy." and so on), so Linguist shows a screen's strings together. Missing files are
    created. Keys in ``not_chinese`` get the :data:`NOT_CHINESE` mark, whether or not
    they exist.
    """
    existing = read_catalogue(folder) if ts_path("zh", folder).exists() else {}
    added = [key for key in entries if key not in existing]
    changed = [key for key in entries if key in existing and existing[key] != entries[key]]
    skipped = [] if replace else changed
    marked = [key for key in entries if key in not_chinese and key not in added and key not in changed]
    to_write = {key: entries[key] if key in added or replace else existing[key] for key in [*added, *changed, *marked]}
    if not to_write:
        return added, skipped

    for language in FILE_STEMS:
        path = ts_path(language, folder)
        root = _parse(path) if path.exists() else _new_document(language)
        context = _unnamed_context(root)
        for key, (zh, en) in to_write.items():
            _set_message(context, key, source=en, translation=zh if language == "zh" else en, not_chinese=key in not_chinese and language == "zh")
        _write(root, path)
    return added, skipped


def _new_document(language: str) -> ElementTree.Element:
    root = ElementTree.Element("TS", {"version": "2.1", "language": QT_LOCALES[language], "sourcelanguage": SOURCE_LANGUAGE})
    return root


def _unnamed_context(root: ElementTree.Element) -> ElementTree.Element:
    for context in root.iter("context"):
        if not (context.findtext("name") or "").strip():
            return context
    context = ElementTree.SubElement(root, "context")
    ElementTree.SubElement(context, "name").text = ""
    return context


def _set_message(context: ElementTree.Element, key: str, source: str, translation: str, not_chinese: bool) -> None:
    """Set or insert message ``key`` in ``context`` with a finished translation."""
    messages = context.findall("message")
    element = next((message for message in messages if message.get("id") == key), None)
    if element is None:
        element = ElementTree.Element("message", {"id": key})
        ElementTree.SubElement(element, "source")
        ElementTree.SubElement(element, "translation")
        prefix = key.split(".", 1)[0] + "."
        siblings = [message for message in messages if (message.get("id") or "").startswith(prefix)]
        anchor = siblings[-1] if siblings else (messages[-1] if messages else context.find("name"))
        context.insert(list(context).index(anchor) + 1, element)

    element.find("source").text = source
    translation_element = element.find("translation")
    if translation_element is None:
        translation_element = ElementTree.SubElement(element, "translation")
    translation_element.text = translation
    translation_element.attrib.pop("type", None)
    if not_chinese and element.find(NOT_CHINESE) is None:
        ElementTree.SubElement(element, NOT_CHINESE).text = "true"


def _write(root: ElementTree.Element, path: Path) -> None:
    """Write ``root`` with Linguist's header and four-space indents, through a temporary file and a rename."""
    ElementTree.indent(root, space="    ")
    for context in root.iter("context"):
        # Linguist writes the unnamed context's name as <name></name>, never as <name />.
        name = context.find("name")
        if name is not None and name.text is None:
            name.text = ""
    body = ElementTree.tostring(root, encoding="unicode", short_empty_elements=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".ts.tmp")
    temporary.write_text(_HEADER + body + "\n", encoding="utf-8")
    temporary.replace(path)


# Compiling ----------------------------------------------------------------------


def lrelease_command() -> Path:
    """Return PySide6's lrelease: the one beside the running Python, else the first on PATH.

    Raises ``FileNotFoundError`` when neither exists.
    """
    beside = Path(sys.executable).parent / "pyside6-lrelease"
    if beside.is_file():
        return beside
    found = shutil.which("pyside6-lrelease")
    if found is None:
        raise FileNotFoundError("pyside6-lrelease not found beside the Python interpreter or on PATH; install PySide6")
    return Path(found)


def compile_catalogue(source_folder: Path = TRANSLATIONS_DIR, output_folder: Path | None = None) -> list[Path]:
    """Compile each language's .ts file in ``source_folder`` to .qm in ``output_folder`` (the same folder by default).

    Returns the .qm paths. Raises ``subprocess.CalledProcessError`` with lrelease's
    output when lrelease fails.
    """
    output_folder = output_folder or source_folder
    output_folder.mkdir(parents=True, exist_ok=True)
    command = lrelease_command()
    outputs = []
    for language in FILE_STEMS:
        target = qm_path(language, output_folder)
        subprocess.run(
            [str(command), "-silent", str(ts_path(language, source_folder)), "-qm", str(target)],
            check=True,
            capture_output=True,
            text=True,
        )
        outputs.append(target)
    return outputs
