"""The report's languages: English, and Spanish for a class taught in Spanish.

The report's own words are asked for by code, ``t.text("chart.median")`` (or
``t.html`` for the few holding markup), from ``texts``, English and Spanish side
by side. ``t(english)`` is for text the report does not own, keyed by its
English in ``catalogue_es`` (a metric's label, a runtime's stored summary); a
missing translation falls back to the English. ``Catalogue`` records what it
could not translate, so a test can check the Spanish report leaves nothing of
its own text in English. Text stored with the results (scenario
notes) carries its own translation (``description_es``/``note_es``); a
runtime's summary and launch sentence, stored with its runs too, are looked up
in the catalogue by their English, so an older session's wording falls back to
English. What runtimes say (why one was skipped, why a run failed, a note on
its tools) is stored as a message, a code and its fields (runtimes/kernel/messages.py),
and written from ``messages_es``; sessions stored before that hold English
text, matched against the frozen patterns of ``catalogue_es_patterns``.
"""

from __future__ import annotations

import dataclasses
import re

from bench.errors import UsageError
from bench.metrics import localize
from bench.report.catalogue_es import ES
from bench.report.catalogue_es_patterns import ES_PATTERNS
from bench.report.texts import TEXTS
from markupsafe import Markup
from bench.report.messages_es import ES_MESSAGES, ES_WORDS
from runtimes.kernel.messages import ENGLISH, Field, Message

import bench.messages  # noqa: F401,E402  (registers the harness's codes in ENGLISH)

LANGS = ("en", "es")
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")  # as the code writes one: 2.50, 1,024, 10


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

    def value(self, stored: str | Message) -> str:
        """A stored value (host metadata, a tool's version): its translation when the catalogue has one, else as stored.

        Most values (a kernel version, a CPU model) are not words of any language,
        so one without a translation is not counted as missing. A message (a
        fix, a tool's note) is written in this language.
        """
        if isinstance(stored, Message):
            return self.message(stored)
        spanish = self._spanish(stored) if self.lang == "es" else None
        return stored if spanish is None else spanish

    def message(self, message: Message) -> str:
        """A message (a code and its fields) written in this language; a code without Spanish counts as missing."""
        if self.lang == "en":
            return message.render(ENGLISH, self._number)
        return message.render(ES_MESSAGES, self._number, lambda code: self.missing.add(f"message code {code}"))

    def _number(self, value: Field) -> object:
        return _Number(value, self.lang) if isinstance(value, float) else value

    def stored(self, text: str | Message) -> str:
        """A skip's reason, a run's error: a message in this language; old sessions' English text in Spanish, else as stored.

        Sessions stored before messages were data hold only English text: it is
        matched against the old table of patterns (``catalogue_es_patterns``),
        kept for them alone.

        Unlike a ``value``, it is a sentence, so one without a translation is
        counted as missing, as the report's own text is.
        """
        if isinstance(text, Message):
            return self.message(text)
        if self.lang != "es" or not text:
            return text
        spanish = self._spanish(text)
        if spanish is None:
            self.missing.add(text)
            return text
        return spanish

    def _spanish(self, text: str) -> str | None:
        """The catalogue's entry for ``text`` (or the fixed words' table), else the first old pattern matching all
        of it filled in; None: none of them."""
        if ES.get(text) or ES_WORDS.get(text):
            return ES.get(text) or ES_WORDS[text]
        for pattern, template in ES_PATTERNS:
            found = pattern.fullmatch(text)
            if found:
                return template.format(**{name: self._field(name, part) for name, part in found.groupdict().items()})
        return None

    def _field(self, name: str, part: str) -> str:
        """What a pattern captured: another stored message ({reason}), a number, or else a value as ``value`` shows it."""
        if name == "reason":
            return self.stored(part)
        if _NUMBER.fullmatch(part):
            return localize(part, self.lang)
        return self.value(part)

    def text(self, code: str, **fields: object) -> str:
        """The report's own text ``code`` (bench.report.texts) in this language, fields filled in, as plain text."""
        return TEXTS[code].get(self.lang).format(**self._localized(fields))

    def html(self, code: str, **fields: object) -> Markup:
        """The same, kept as the trusted HTML it holds (``<b>``, ``<code>``), with every field escaped."""
        return Markup(TEXTS[code].get(self.lang)).format(**self._localized(fields))

    def _localized(self, fields: dict[str, object]) -> dict[str, object]:
        return {k: _Number(v, self.lang) if isinstance(v, float) else v for k, v in fields.items()}

    def pick(self, english: str, spanish: str) -> str:
        """Stored text with its own translation: the Spanish when asked for and present."""
        return spanish if self.lang == "es" and spanish else english
