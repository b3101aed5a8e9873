"""One self-contained HTML page: the recorded data as JSON, the package's .css and .js inlined, no network.

A Content-Security-Policy in the page forbids every request (no CDN, no web font, no image from elsewhere), so
the page works from `file://` offline, and a mistake that would fetch something fails loudly instead.
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any, Dict, Union

from ..._files import atomic_write

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def asset(name: str) -> str:
    """A file shipped next to this module (player.js, player.css, ...)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _clean(x: Any) -> Any:
    """JSON has no NaN or inf: write them as null (the page shows a gap)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def script_json(data: Dict[str, Any]) -> str:
    """JSON that is safe inside <script>: no `</script>` or `<!--` can end or confuse the element."""
    text = json.dumps(_clean(data), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def build(title: str, body: str, data: Dict[str, Any], scripts: tuple, styles: tuple = ("player.css",)) -> str:
    """The whole page: `body` (HTML markup), the data, and the named assets inlined."""
    css = "\n".join(asset(s) for s in styles)
    js = "\n".join(asset(s) for s in scripts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{html.escape(title)}</title>\n<style>\n{css}\n</style>\n</head>\n<body>\n{body}\n"
        f"<script type=\"application/json\" id=\"player-data\">{script_json(data)}</script>\n"
        f"<script>\n{js}\n</script>\n</body>\n</html>\n"
    )


class Page:
    """What `play` and `play_training` return: `.save(path)`, `.html`, and inline display in Jupyter."""

    height = 720  # pixels of the frame the page gets inside a notebook

    def __init__(self, html_text: str, title: str) -> None:
        self.html = html_text
        self.title = title

    def save(self, path: Union[str, Path]) -> Path:
        """Write the page to `path` (.html added if there is no suffix), atomically; return the path."""
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(".html")
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, self.html.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        """Inside an iframe (srcdoc), so the page's ids, styles and keys never clash with the notebook's."""
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{html.escape(self.title)}" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ddd"></iframe>')

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.title!r}: {len(self.html) / 1024:.0f} KB; .save(path) writes it>"
