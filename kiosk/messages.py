"""Text shown to customers and clerks, in Simplified Chinese and English."""

from dataclasses import dataclass

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Message:
    """A sentence in both display languages; ``zh`` is shown first by default."""

    zh: str
    en: str

    def text(self, language: str) -> str:
        """Return the sentence in ``language`` ("zh" or "en"); unknown codes get Chinese."""
        return self.en if language == "en" else self.zh

    def format(self, **values: object) -> "Message":
        """Fill ``{name}`` placeholders in both languages with the same values."""
        return Message(self.zh.format(**values), self.en.format(**values))

    def bilingual(self) -> str:
        """Return "中文 / English", for logs of what a customer saw and for plain-text output."""
        return f"{self.zh} / {self.en}"

    def to_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}
