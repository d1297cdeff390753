"""Display-time translation: widgets bound to a catalogue key or a Message, set again on a switch."""

from collections.abc import Callable

from kiosk.messages import Message
from kiosk.ui import strings

# A catalogue key, a Message, or a function that builds the Message when it is displayed
# (for text with values, such as a contract number).
TextSource = str | Message | Callable[[], Message]


def resolve(source: TextSource) -> Message:
    """Return the Message that ``source`` refers to. Raises ``KeyError`` for an unknown key."""
    if isinstance(source, Message):
        return source
    if isinstance(source, str):
        return strings.message(source)
    return source()


class TextBindings:
    """Pairs of a text setter (such as ``label.setText``) and the source of its text.

    :meth:`apply` sets every bound text in one language. Content that is rebuilt, such
    as a list of checks, keeps its own instance and calls :meth:`clear` before it
    deletes the widgets, so that no setter of a deleted widget is called.
    """

    def __init__(self) -> None:
        self._bindings: list[tuple[Callable[[str], object], TextSource]] = []

    def bind(self, setter: Callable[[str], object], source: TextSource) -> None:
        self._bindings.append((setter, source))

    def apply(self, language: str) -> None:
        for setter, source in self._bindings:
            setter(resolve(source).text(language))

    def clear(self) -> None:
        self._bindings.clear()
