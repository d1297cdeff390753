#!/usr/bin/env python3
"""Add kiosk strings to the Qt Linguist files in resources/translations and compile them to .qm.

    tools/strings_to_ts.py add KEY CHINESE ENGLISH [--not-chinese] [--replace]
    tools/strings_to_ts.py import FILE.py [--replace]
    tools/strings_to_ts.py compile

``import`` reads a ``CATALOGUE = {key: (Chinese, English)}`` dict literal from a Python
file without running it, as kiosk/ui/strings.py held before the .ts files replaced it,
and adds the keys the .ts files lack. Running it again adds nothing twice. Every
command that changes a .ts file compiles both files again. Exit status 1 when a key was
skipped because its texts differ from the .ts files (pass --replace to overwrite them).
"""

import argparse
import ast
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.ui import linguist  # noqa: E402  (needs the repository on sys.path)


def read_catalogue_literal(path: Path) -> dict[str, tuple[str, str]]:
    """Return the ``CATALOGUE`` dict literal assigned in the Python file ``path``.

    Raises ``ValueError`` when the file has no such assignment or it is not a literal
    of string keys and (Chinese, English) pairs.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        target = node.target if isinstance(node, ast.AnnAssign) else (node.targets[0] if isinstance(node, ast.Assign) else None)
        if isinstance(target, ast.Name) and target.id == "CATALOGUE" and node.value is not None:
            catalogue = ast.literal_eval(node.value)
            break
    else:
        raise ValueError(f"{path} assigns no CATALOGUE dict")

    for key, value in catalogue.items():
        if not (isinstance(key, str) and isinstance(value, tuple) and len(value) == 2 and all(isinstance(text, str) for text in value)):
            raise ValueError(f"{path}: CATALOGUE[{key!r}] must be a (Chinese, English) pair of strings, not {value!r}")
    return catalogue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=linguist.TRANSLATIONS_DIR, help="folder of the .ts and .qm files")
    commands = parser.add_subparsers(dest="command", required=True)

    add = commands.add_parser("add", help="add one string in both languages")
    add.add_argument("key", help='catalogue key, such as "welcome.title"')
    add.add_argument("chinese", help="Simplified Chinese text")
    add.add_argument("english", help="English text")
    add.add_argument(
        "--not-chinese", action="store_true", help="mark a Chinese entry without Chinese characters as intended (product names)"
    )
    add.add_argument("--replace", action="store_true", help="overwrite the texts of a key that exists")

    import_ = commands.add_parser("import", help="add the keys of a Python CATALOGUE dict that the .ts files lack")
    import_.add_argument("file", type=Path, help="Python file that assigns CATALOGUE")
    import_.add_argument("--replace", action="store_true", help="overwrite the texts of keys that exist")

    commands.add_parser("compile", help="compile both .ts files to .qm")
    arguments = parser.parse_args(argv)

    if arguments.command == "add":
        entries = {arguments.key: (arguments.chinese, arguments.english)}
        marked = frozenset(entries) if arguments.not_chinese else frozenset()
        added, skipped = linguist.add_strings(entries, arguments.folder, replace=arguments.replace, not_chinese=marked)
    elif arguments.command == "import":
        added, skipped = linguist.add_strings(read_catalogue_literal(arguments.file), arguments.folder, replace=arguments.replace)
    else:
        added, skipped = [], []

    for key in added:
        print(f"added {key}")
    for key in skipped:
        print(f"skipped {key}: its texts differ from the .ts files; pass --replace to overwrite them", file=sys.stderr)
    for path in linguist.compile_catalogue(arguments.folder):
        print(f"compiled {path}")
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
