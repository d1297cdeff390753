"""The kiosk's strings: complete Chinese, matching placeholders, current .qm files, no text outside the catalogue.

The .ts files in resources/translations are the source; the compiled .qm files are
checked against a fresh lrelease run, and the catalogue is read back through
QTranslator, as the kiosk reads it.
"""

import ast
import re
import shutil
import string
from pathlib import Path

import pytest

from kiosk.checks import Outcome
from kiosk.session.stages import CUSTOMER_STEPS
from kiosk.ui import linguist, strings
from tools import strings_to_ts

REPOSITORY = Path(__file__).resolve().parent.parent
UI_FOLDER = REPOSITORY / "kiosk" / "ui"
MESSAGE_FOLDERS = [REPOSITORY / "kiosk", REPOSITORY / "countersign"]

CJK = re.compile(r"[\u3400-\u9fff]")
QT_MARKERS = re.compile(r"%(?:L?\d+|n)")
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:L?\d+|n)")
MARKUP = re.compile(r"<[^>]*>|&[a-zA-Z]+;|&#\d+;")
KEY_SHAPE = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)+$")

# Calls whose first argument a customer or clerk reads.
TEXT_SETTERS = {"setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "setStatusTip", "setTitle", "addItem", "setTabText"}
TEXT_WIDGETS = {"QLabel", "QPushButton", "QCheckBox", "QRadioButton", "QGroupBox", "QAction", "QToolButton"}

# Literals with letters that are not words for a reader, by file and text.
LITERAL_ALLOW_LIST: set[tuple[str, str]] = set()

# Constants shaped like catalogue keys that are something else: contract field sources.
NOT_KEYS = frozenset({"identity.number", "licence.number"})


@pytest.fixture(scope="module")
def chinese() -> dict[str, linguist.TsMessage]:
    return linguist.read_messages(linguist.ts_path("zh"))


@pytest.fixture(scope="module")
def english() -> dict[str, linguist.TsMessage]:
    return linguist.read_messages(linguist.ts_path("en"))


def format_fields(text: str) -> set[str]:
    """Return the names of the ``{name}`` placeholders in ``text``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def literal_text(node: ast.expr) -> str | None:
    """Return the literal characters of a string constant or f-string, or ``None`` for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str))
    return None


def has_words(text: str) -> bool:
    """Return whether ``text`` still has letters once markup (tags, entities) is removed."""
    return any(character.isalpha() for character in MARKUP.sub("", text))


def python_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


# The .ts files -------------------------------------------------------------------


def test_both_files_have_same_keys(chinese, english):
    assert chinese, "no messages in the Chinese .ts file"
    assert set(chinese) == set(english)


def test_every_key_has_chinese(chinese, english):
    for key, message in chinese.items():
        assert message.translation.strip(), f"{key} has no Chinese translation"
        assert message.finished, f"{key}: the Chinese translation is marked unfinished; review it in Linguist"
        if message.not_chinese:
            continue
        words = PLACEHOLDER.sub("", message.translation)
        if not has_words(words):
            continue  # only placeholders and punctuation, such as "{url}"
        assert CJK.search(words), f"{key}: {message.translation!r} has no Chinese characters; mark it {linguist.NOT_CHINESE} if intended"
        assert message.translation != english[key].translation, f"{key}: the Chinese equals the English"


def test_every_key_has_english(english):
    for key, message in english.items():
        assert message.translation.strip(), f"{key} has no English text"
        assert message.finished, f"{key}: the English text is marked unfinished"


def test_source_is_current_english(chinese, english):
    """Translators read ``<source>``, so it must be the English the kiosk shows."""
    for key, message in chinese.items():
        assert message.source == english[key].translation, f"{key}: the Chinese file's source differs from the English text"
        assert english[key].source == english[key].translation, f"{key}: the English file's source differs from its text"


def test_placeholders_match(chinese, english):
    for key, message in chinese.items():
        english_text = english[key].translation
        assert format_fields(message.translation) == format_fields(english_text), f"{key}: {{name}} placeholders differ"
        assert set(QT_MARKERS.findall(message.translation)) == set(QT_MARKERS.findall(english_text)), f"{key}: %1/%n markers differ"


def test_placeholder_check_catches_mismatch():
    """The comparison in test_placeholders_match detects a renamed placeholder."""
    assert format_fields("合同编号：{number}") != format_fields("Contract number: {contract}")
    assert format_fields("{count} 条") == format_fields("{count} waiting")
    assert QT_MARKERS.findall("第 %1 页，共 %n 页") == ["%1", "%n"]


# Compiled files and the run-time catalogue -----------------------------------------


def test_qm_files_current(tmp_path):
    for compiled in linguist.compile_catalogue(linguist.TRANSLATIONS_DIR, tmp_path):
        shipped = linguist.TRANSLATIONS_DIR / compiled.name
        assert shipped.is_file(), f"{shipped} missing; run 'make translations'"
        assert shipped.read_bytes() == compiled.read_bytes(), f"{shipped} is older than its .ts file; run 'make translations'"


def test_runtime_catalogue_matches_ts():
    expected = linguist.read_catalogue()
    catalogue = strings.Catalogue()
    for key, (zh, en) in expected.items():
        assert catalogue.message(key) == strings.Message(zh, en), key
        assert strings.text(key, "zh") == zh
        assert strings.text(key, "en") == en
    assert strings.has("welcome.title")
    assert not strings.has("welcome.no_such_key")
    with pytest.raises(KeyError, match="welcome.no_such_key"):
        strings.message("welcome.no_such_key")
    assert dict(strings.CATALOGUE) == expected
    assert "welcome.no_such_key" not in strings.CATALOGUE


def test_missing_qm_named_in_error(tmp_path):
    with pytest.raises(strings.CatalogueMissing, match="countersign_zh_CN.qm"):
        strings.Catalogue(tmp_path)


# The tool that adds strings --------------------------------------------------------


def test_tool_adds_string_and_compiles(tmp_path):
    folder = tmp_path / "translations"
    shutil.copytree(linguist.TRANSLATIONS_DIR, folder)
    before = linguist.read_catalogue(folder)

    status = strings_to_ts.main(["--folder", str(folder), "add", "welcome.help", "需要帮助请按铃", "Ring the bell for help"])
    assert status == 0
    after = linguist.read_catalogue(folder)
    assert after["welcome.help"] == ("需要帮助请按铃", "Ring the bell for help")
    assert {key: value for key, value in after.items() if key != "welcome.help"} == before
    keys = list(after)
    assert keys.index("welcome.help") == keys.index("welcome.start") + 1  # beside the other welcome strings
    assert strings.Catalogue(folder).message("welcome.help").en == "Ring the bell for help"


def test_tool_import_is_rerunnable(tmp_path):
    folder = tmp_path / "translations"
    old_module = tmp_path / "old_strings.py"
    old_module.write_text(
        'CATALOGUE: dict[str, tuple[str, str]] = {\n'
        '    "done.title": ("办理完成", "All done"),\n'
        '    "done.receipt": ("收据已打印", "Your receipt is printed"),\n'
        '}\n',
        encoding="utf-8",
    )
    assert strings_to_ts.main(["--folder", str(folder), "import", str(old_module)]) == 0
    first = linguist.read_catalogue(folder)
    first_bytes = linguist.ts_path("zh", folder).read_bytes()
    assert strings_to_ts.main(["--folder", str(folder), "import", str(old_module)]) == 0
    assert linguist.read_catalogue(folder) == first
    assert linguist.ts_path("zh", folder).read_bytes() == first_bytes
    assert strings.Catalogue(folder).message("done.receipt").zh == "收据已打印"


def test_tool_keeps_existing_text_unless_replace(tmp_path):
    folder = tmp_path / "translations"
    strings_to_ts.main(["--folder", str(folder), "add", "done.title", "办理完成", "All done"])

    assert strings_to_ts.main(["--folder", str(folder), "add", "done.title", "完成了", "Finished"]) == 1
    assert linguist.read_catalogue(folder)["done.title"] == ("办理完成", "All done")

    assert strings_to_ts.main(["--folder", str(folder), "add", "done.title", "完成了", "Finished", "--replace"]) == 0
    assert linguist.read_catalogue(folder)["done.title"] == ("完成了", "Finished")
    assert linguist.read_messages(linguist.ts_path("zh", folder))["done.title"].source == "Finished"


def test_tool_marks_not_chinese(tmp_path):
    folder = tmp_path / "translations"
    strings_to_ts.main(["--folder", str(folder), "add", "app.brand", "CounterSign", "CounterSign"])
    assert not linguist.read_messages(linguist.ts_path("zh", folder))["app.brand"].not_chinese

    assert strings_to_ts.main(["--folder", str(folder), "add", "app.brand", "CounterSign", "CounterSign", "--not-chinese"]) == 0
    assert linguist.read_messages(linguist.ts_path("zh", folder))["app.brand"].not_chinese
    assert strings.Catalogue(folder).message("app.brand").zh == "CounterSign"


# Strings in code -----------------------------------------------------------------


def test_ui_sets_no_literal_text():
    """Every word a screen shows comes from the catalogue or a Message, never a literal in a setter."""
    found = []
    for path in python_files(UI_FOLDER):
        relative = str(path.relative_to(REPOSITORY))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=relative)):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            function = node.func
            if isinstance(function, ast.Attribute):
                name = function.attr
            elif isinstance(function, ast.Name):
                name = function.id
            else:
                name = ""
            if name not in TEXT_SETTERS and name not in TEXT_WIDGETS:
                continue
            text = literal_text(node.args[0])
            if text is not None and has_words(text) and (relative, text) not in LITERAL_ALLOW_LIST:
                found.append(f"{relative}:{node.lineno}: {name}({text!r})")
    assert not found, "text set without the catalogue:\n" + "\n".join(found)


def test_literal_scan_finds_label_text():
    """The scan in test_ui_sets_no_literal_text flags words and lets symbols and markup through."""
    sample = ast.parse('label.setText("Read card")\nQLabel("✓", self)\nlabel.setText(f"<p>{html}</p>")\nQPushButton(f"第 {n} 步")')
    texts = [literal_text(node.args[0]) for node in ast.walk(sample) if isinstance(node, ast.Call) and node.args]
    assert [has_words(text) for text in texts] == [True, False, False, True]


def test_catalogue_keys_in_code_exist():
    """A string constant shaped like a key, with a catalogue prefix, names a key that exists."""
    catalogue = linguist.read_catalogue()
    prefixes = {key.split(".", 1)[0] for key in catalogue}
    missing = []
    for path in python_files(UI_FOLDER):
        relative = str(path.relative_to(REPOSITORY))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=relative)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_SHAPE.match(node.value):
                if node.value.split(".", 1)[0] in prefixes and node.value not in catalogue and node.value not in NOT_KEYS:
                    missing.append(f"{relative}:{node.lineno}: {node.value}")
    assert not missing, "keys used in code but missing from the .ts files:\n" + "\n".join(missing)


def test_keys_built_from_enums_exist():
    catalogue = linguist.read_catalogue()
    for stage in CUSTOMER_STEPS:
        assert f"step.{stage.value}" in catalogue
    for outcome in Outcome:
        assert f"check.outcome.{outcome.value}" in catalogue


def test_message_literals_are_bilingual():
    """Every ``Message("…", "…")`` written in code has Chinese first, English second, and the same placeholders."""
    problems = []
    for folder in MESSAGE_FOLDERS:
        for path in python_files(folder):
            relative = str(path.relative_to(REPOSITORY))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=relative)):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Message"):
                    continue
                if len(node.args) != 2:
                    continue
                zh, en = (literal_text(argument) for argument in node.args)
                if zh is None or en is None or not isinstance(node.args[0], ast.Constant) or not isinstance(node.args[1], ast.Constant):
                    continue
                where = f"{relative}:{node.lineno}"
                if not CJK.search(zh) and has_words(zh):
                    problems.append(f"{where}: Chinese text {zh!r} has no Chinese characters")
                if not zh.strip() and en.strip():
                    problems.append(f"{where}: English {en!r} has no Chinese text")
                if format_fields(zh) != format_fields(en):
                    problems.append(f"{where}: placeholders differ between {zh!r} and {en!r}")
    assert not problems, "\n".join(problems)
