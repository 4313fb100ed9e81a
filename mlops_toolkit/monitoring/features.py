"""What the drift signals measure in a description. Pure.

* tokens: runs of letters, lower-cased (digits and punctuation are not tokens,
  so part numbers and amounts do not count as new words);
* length: words separated by white space (the data spec's word count);
* amount units: the unit written after each number (``%``, ``ppm``, ``mm``);
* mentions: which term groups (regulated substances, amount units) a
  description names, by case-insensitive regular expressions;
* quality flags: empty, over-long, not text (not a string, or less than half
  of its visible characters are letters).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"[^\W\d_]+")
# A number (not inside a part number or code) and the unit written after it.
_AMOUNT_UNIT = re.compile(
    r"(?<![\w./-])\d+(?:[.,]\d+)*\s?(% w/w|wt\.?%|[%‰°]|[^\W\d_]{1,6}(?:/[^\W\d_]{1,6})?)(?![\w/])"
)
MIN_LETTER_SHARE = 0.5


def tokens(text: Any) -> list[str]:
    """The lower-cased letter runs of ``text`` (none for a non-string)."""
    return _TOKEN.findall(text.lower()) if isinstance(text, str) else []


def amount_units(text: Any) -> list[str]:
    """The units written after amounts (``0.1 %``, ``150 ppm``, ``12 mm``), lower-cased."""
    return [m.lower() for m in _AMOUNT_UNIT.findall(text)] if isinstance(text, str) else []


def word_count(text: Any) -> int:
    """Words separated by white space (0 for a non-string)."""
    return len(text.split()) if isinstance(text, str) else 0


def compile_groups(groups: Mapping[str, str]) -> dict[str, re.Pattern[str]]:
    """Compile term-group regexes (case-insensitive). Raises ``re.error`` for a bad one."""
    return {name: re.compile(pattern, re.IGNORECASE) for name, pattern in groups.items()}


def mentions(text: Any, groups: Mapping[str, re.Pattern[str]]) -> set[str]:
    """The groups ``text`` mentions."""
    if not isinstance(text, str):
        return set()
    return {name for name, pattern in groups.items() if pattern.search(text)}


@dataclass(frozen=True)
class QualityFlags:
    """Data-quality findings about one input."""

    empty: bool
    overlong: bool
    non_text: bool


def quality(text: Any, max_words: int) -> QualityFlags:
    """Flags of one input: empty (blank string), over-long (more than ``max_words``
    words), not text (not a string, or mostly not letters)."""
    if not isinstance(text, str):
        return QualityFlags(empty=False, overlong=False, non_text=True)
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return QualityFlags(empty=True, overlong=False, non_text=False)
    letters = sum(c.isalpha() for c in visible)
    return QualityFlags(
        empty=False,
        overlong=word_count(text) > max_words,
        non_text=letters / len(visible) < MIN_LETTER_SHARE,
    )
