"""See the graph: pictures of compute graphs, of the gradient flowing back through them, and of backward's steps.

    python demos/visualize_graph.py                    # writes graphs/*.svg (same as: python -m tinygrad_edu graph)
    python demos/visualize_graph.py --out DIR --format svg png
    python demos/visualize_graph.py --docs             # refresh docs/images/ (svg, and png at 72 dpi)

The examples live in `tinygrad_edu/__main__.py` (read them: each is a few lines). In a notebook, skip the files:
`draw_graph(loss)` as the last line of a cell shows the picture inline.
"""

import sys
from pathlib import Path

from tinygrad_edu.__main__ import main

DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--docs" in args:
        args = [a for a in args if a != "--docs"] + ["--out", str(DOCS_IMAGES), "--format", "svg", "png", "--dpi", "72"]
    sys.exit(main(["graph", *args]))
