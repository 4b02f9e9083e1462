"""The report's languages: English, and Spanish for a class taught in Spanish.

A small catalogue, gettext-style: the English text is the key, so code reads
as English and a missing translation falls back to it. ``Catalogue`` records
what it could not translate, so a test can check the Spanish report leaves
nothing of its own text in English. Text stored with the results (scenario
notes) carries its own translation (``description_es``/``note_es``); a
runtime's summary and launch sentence, stored with its runs too, are looked up
in the catalogue by their English, so an older session's wording falls back to
English.
"""

from __future__ import annotations

import dataclasses

from bench.errors import UsageError
from bench.metrics import localize
from bench.report.catalogue_es import ES

LANGS = ("en", "es")


@dataclasses.dataclass(frozen=True)
class _Number:
    """A float field of a template, written in the report's language: ``{steal:.1f}`` gives 3.5 or 3,5."""

    value: float
    lang: str

    def __format__(self, spec: str) -> str:
        return localize(format(self.value, spec), self.lang)


@dataclasses.dataclass
class Catalogue:
    """Translate the report's text into one language: ``t("{n} runs", n=3)``; float fields take its decimal mark."""

    lang: str = "en"
    missing: set[str] = dataclasses.field(default_factory=set)

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise UsageError(f"unknown report language {self.lang!r}; choose from: {', '.join(LANGS)}")

    def __call__(self, text: str, **fields: object) -> str:
        template = text
        if self.lang == "es" and text:  # "" (a runtime stored without a summary) has nothing to translate
            template = ES.get(text, "")
            if not template:
                self.missing.add(text)
                template = text
        if not fields:
            return template
        return template.format(**{k: _Number(v, self.lang) if isinstance(v, float) else v for k, v in fields.items()})

    def value(self, stored: str) -> str:
        """A stored value (a host's metadata): its translation when the catalogue has one, else as stored.

        Most values (a kernel version, a CPU model) are not words of any language,
        so one without a translation is not counted as missing.
        """
        return ES.get(stored, stored) if self.lang == "es" else stored

    def pick(self, english: str, spanish: str) -> str:
        """Stored text with its own translation: the Spanish when asked for and present."""
        return spanish if self.lang == "es" and spanish else english
