"""The report's languages: English, and Spanish for a class taught in Spanish.

A small catalogue, gettext-style: the English text is the key, so code reads
as English and a missing translation falls back to it. ``Catalogue`` records
what it could not translate, so a test can check the Spanish report leaves
nothing of its own text in English. Text stored with the results (scenario
notes) carries its own translation (``description_es``/``note_es``).
"""

from __future__ import annotations

import dataclasses

from bench.errors import UsageError
from bench.report.catalogue_es import ES

LANGS = ("en", "es")


@dataclasses.dataclass
class Catalogue:
    """Translate the report's text into one language: ``t("{n} runs", n=3)``."""

    lang: str = "en"
    missing: set[str] = dataclasses.field(default_factory=set)

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise UsageError(f"unknown report language {self.lang!r}; choose from: {', '.join(LANGS)}")

    def __call__(self, text: str, **fields: object) -> str:
        template = text
        if self.lang == "es":
            template = ES.get(text, "")
            if not template:
                self.missing.add(text)
                template = text
        return template.format(**fields) if fields else template

    def pick(self, english: str, spanish: str) -> str:
        """Stored text with its own translation: the Spanish when asked for and present."""
        return spanish if self.lang == "es" and spanish else english
