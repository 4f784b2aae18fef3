"""The certificate's embedded font: Arimo (metric-compatible with Arial, the face of ACORD forms),
from the `fontpkg-arimo` package. It covers Latin with Vietnamese, Greek, Cyrillic and Hebrew, so
"Nguyễn Thị Ánh", "Zoë O'Brien-Łukasz" and "Дмитрий Иванов" render; fpdf2 embeds only the
glyphs a certificate uses.

The package ships a variable font (weights 400-700) whose default instance is the regular weight,
used as it is. The bold face prints only the form's own labels (ASCII), so it is an instance of
that small subset at weight 700, made once per process (about a quarter of a second) and kept in
the temporary directory for the next cold start on the same host.
"""

from __future__ import annotations

import os
import tempfile
import threading
from functools import cache
from pathlib import Path

BOLD_WEIGHT = 700
BOLD_CHARACTERS = range(0x20, 0x7F)
_lock = threading.Lock()


def _package_root() -> Path:
    import fontpkg_arimo

    return Path(fontpkg_arimo.ROOT)


def regular_font() -> Path:
    return _package_root() / "files" / "Arimo[wght].ttf"


def bold_covers(text: str) -> bool:
    return all(ord(character) in BOLD_CHARACTERS or character == "\n" for character in text)


@cache
def bold_font() -> Path:
    """Arimo at weight 700, ASCII only, instanced once (then read from the temporary dir)."""
    from importlib.metadata import version

    target = (
        Path(tempfile.gettempdir())
        / "jobcover-fonts"
        / f"Arimo-Bold-ascii-{version('fontpkg-arimo')}.ttf"
    )
    with _lock:
        if target.exists():
            return target
        from fontTools import subset
        from fontTools.ttLib import TTFont
        from fontTools.varLib import instancer

        font = TTFont(str(regular_font()))
        options = subset.Options()
        options.layout_features = ["kern"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=BOLD_CHARACTERS)
        subsetter.subset(font)
        bold = instancer.instantiateVariableFont(font, {"wght": BOLD_WEIGHT})
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        bold.save(str(partial))
        os.replace(partial, target)
        return target
