"""The reviewer's text report of a template diff, with changed clause texts side by side.

Widths are counted in terminal cells, where a Chinese character takes two. In the
side-by-side columns the differing words (English) or characters (Chinese) are marked
with « ».
"""

import difflib
import re
import unicodedata
from typing import Any

from kiosk.contracts.template_diff import ItemsDiff, TemplateDiff

MINIMUM_WIDTH = 60
_GUTTER = " │ "
_INDENT = "      "
# One CJK character or punctuation mark, a word, a run of spaces, or one other character.
_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|\w+|\s+|[^\w\s]")
# Punctuation that never starts a line.
_NO_LINE_START = frozenset("，。、；：！？）》」』”’,.;:!?)")


def cell_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(character) in ("W", "F") else 1 for character in text)


def wrap_cells(text: str, width: int) -> list[str]:
    """Wrap ``text`` into lines of at most ``width`` cells, breaking between words or Chinese characters.

    Punctuation that never starts a line takes the word or character before it along.
    """
    lines: list[str] = []
    line: list[str] = []
    for token in _TOKEN.findall(text):
        if cell_width("".join(line)) + cell_width(token) <= width:
            line.append(token)
            continue
        carried = [line.pop()] if token in _NO_LINE_START and len(line) > 1 and not line[-1].isspace() else []
        if "".join(line).strip():
            lines.append("".join(line).rstrip())
        line = carried + ([] if token.isspace() else [token])
        while cell_width("".join(line)) > width:
            joined = "".join(line)
            cut = 0
            while cell_width(joined[: cut + 1]) <= width:
                cut += 1
            cut = max(cut, 1)
            lines.append(joined[:cut])
            line = [joined[cut:]]
    if "".join(line).strip() or not lines:
        lines.append("".join(line).rstrip())
    return lines


def mark_changes(old: str, new: str) -> tuple[str, str]:
    """Return both texts with the spans that differ between them enclosed in « »."""
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    old_marked, new_marked = [], []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        old_part = "".join(old_tokens[old_start:old_end])
        new_part = "".join(new_tokens[new_start:new_end])
        if operation == "equal":
            old_marked.append(old_part)
            new_marked.append(new_part)
            continue
        if old_part:
            old_marked.append(f"«{old_part}»")
        if new_part:
            new_marked.append(f"«{new_part}»")
    return "".join(old_marked), "".join(new_marked)


def side_by_side(left: str, right: str, width: int, indent: str = _INDENT) -> list[str]:
    """Return ``left`` and ``right`` wrapped into two columns that fill ``width`` cells after ``indent``."""
    column = max(10, (width - len(indent) - len(_GUTTER)) // 2)
    left_lines, right_lines = wrap_cells(left, column), wrap_cells(right, column)
    rows = max(len(left_lines), len(right_lines))
    left_lines += [""] * (rows - len(left_lines))
    right_lines += [""] * (rows - len(right_lines))
    return [
        f"{indent}{text}{' ' * (column - cell_width(text))}{_GUTTER}{other}".rstrip()
        for text, other in zip(left_lines, right_lines)
    ]


def _show(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"zh", "en"}:
        return f"{value['zh']} / {value['en']}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return "-" if value is None else str(value)


def _hanging(text: str, width: int) -> list[str]:
    """Wrap ``text`` after the item indent, with continuation lines indented two more cells."""
    first, *rest = wrap_cells(text, width - len(_INDENT) - 2)
    return [_INDENT + first] + [_INDENT + "  " + line for line in rest]


def _describe_item(item: dict[str, Any], key: str) -> str:
    details = [f"{attribute} {_show(value)}" for attribute, value in item.items() if attribute not in (key, "text")]
    return f"{item[key]}: " + "; ".join(details)


def _section(title: str, items: ItemsDiff, key: str, width: int, old_label: str, new_label: str) -> list[str]:
    lines: list[str] = []
    if items.added:
        lines.append(f"{title} added ({len(items.added)})")
        for item in items.added:
            lines.append(f"  + {_describe_item(item, key)}")
            if "text" in item:
                for language in ("zh", "en"):
                    lines += [_INDENT + line for line in wrap_cells(item["text"][language], width - len(_INDENT))]
    if items.removed:
        lines.append(f"{title} removed ({len(items.removed)})")
        for item in items.removed:
            lines.append(f"  - {_describe_item(item, key)}")
    if items.changed:
        lines.append(f"{title} changed ({len(items.changed)})")
        for change in items.changed:
            lines.append(f"  ~ {change.name}")
            for attribute, (old, new) in change.changes.items():
                if isinstance(old, dict) and isinstance(new, dict) and set(old) == set(new) == {"zh", "en"}:
                    lines += _side_by_side_message(attribute, old, new, width, old_label, new_label)
                else:
                    lines += _hanging(f"{attribute}: {_show(old)} -> {_show(new)}", width)
    if items.order:
        lines.append(f"{title} reordered")
        lines.append(f"{_INDENT}old: {_show(items.order[0])}")
        lines.append(f"{_INDENT}new: {_show(items.order[1])}")
    return lines


def _side_by_side_message(
    attribute: str, old: dict[str, str], new: dict[str, str], width: int, old_label: str, new_label: str
) -> list[str]:
    lines: list[str] = []
    for language in ("zh", "en"):
        if old[language] == new[language]:
            continue
        lines.append(f"{_INDENT}{attribute} ({language})")
        lines += side_by_side(old_label, new_label, width)
        old_marked, new_marked = mark_changes(old[language], new[language])
        lines += side_by_side(old_marked, new_marked, width)
    return lines


def describe_diff(diff: TemplateDiff, width: int = 100) -> list[str]:
    """Return the lines of the text report, at most ``width`` cells wide (at least 60)."""
    width = max(width, MINIMUM_WIDTH)
    old, new = diff.old, diff.new
    old_label, new_label = f"old: {old.template_id} v{old.version}", f"new: {new.template_id} v{new.version}"
    lines = [
        f"old  {old.template_id} v{old.version}  SHA-256 {old.sha256}",
        f"new  {new.template_id} v{new.version}  SHA-256 {new.sha256}",
    ]
    if diff.identical:
        lines.append("no differences in fields, clauses, layout or title")
        if old.sha256 != new.sha256:
            # Kiosks check the file's hash, so a change in formatting alone still needs an approval.
            lines.append("the files differ in formatting only (whitespace, key order); the SHA-256 differs, so the new file needs its own approval")
        return lines

    if diff.title is not None:
        lines.append("title changed")
        lines += _side_by_side_message("title", diff.title[0], diff.title[1], width, old_label, new_label)
    lines += _section("fields", diff.fields, "name", width, old_label, new_label)
    lines += _section("clauses", diff.clauses, "id", width, old_label, new_label)
    lines += _section("layout sections", diff.layout, "id", width, old_label, new_label)
    return lines
