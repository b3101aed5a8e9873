"""Build the notebooks in this folder from their sources in `src/`, run them, and save them with their outputs.

One source per notebook, so the code cells cannot drift between languages:

    %%% md              a markdown cell; inside it `@@ en`, `@@ sr`, `@@ hi` start each language's text
                        (a markdown cell without `@@` lines is the same in every language)
    %%% code            a code cell, identical in every language
    %%% code if play    a code cell kept only when `tinygrad_edu.viz` has `play` (the backprop player)

    python notebooks/build.py              # build and run every notebook (writes *.ipynb next to this file)
    python notebooks/build.py 02_mnist_lab # only the ones named
    python notebooks/build.py --check      # exit 1 if a stored notebook is not what its source generates

Notebooks run in a Jupyter kernel started from this Python (`sys.executable`), with the repository on its
`PYTHONPATH`, so they import this checkout's `tinygrad_edu`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SOURCES = HERE / "src"
LANGUAGES = {"en": "English", "sr": "Српски", "hi": "हिन्दी"}
# notebook name -> the languages its prose is written in (the first one is the file without a language suffix)
NOTEBOOKS: Dict[str, Tuple[str, ...]] = {
    "01_own_framework": ("en", "sr", "hi"),
    "02_mnist_lab": ("en",),
    "03_micrograd_value": ("en",),
}
TIMEOUT = 300  # seconds per cell

Cell = Tuple[str, str]  # (cell type, source)


def features() -> Dict[str, bool]:
    """Optional parts of the package a source may depend on: `play` is the backprop player in `tinygrad_edu.viz`."""
    sys.path.insert(0, str(ROOT))
    try:
        import tinygrad_edu.viz as viz
    finally:
        sys.path.remove(str(ROOT))
    return {"play": hasattr(viz, "play")}


def parse(text: str, language: str, available: Dict[str, bool]) -> List[Cell]:
    """The cells of one source for one language: markdown in that language, every code cell whose condition holds."""
    cells: List[Cell] = []
    blocks = text.split("\n%%% ")
    if not text.startswith("%%% "):
        raise ValueError("a notebook source must start with a '%%% md' or '%%% code' line")
    blocks[0] = blocks[0][len("%%% "):]
    for block in blocks:
        header, _, body = block.partition("\n")
        words = header.split()
        if words[:1] == ["md"]:
            cells.append(("markdown", _pick_language(body, language, header)))
        elif words[:1] == ["code"]:
            if len(words) == 3 and words[1] == "if":
                if words[2] not in available:
                    raise ValueError(f"unknown condition {words[2]!r} in '%%% {header}'")
                if not available[words[2]]:
                    continue
            elif len(words) != 1:
                raise ValueError(f"cannot read the cell header '%%% {header}'")
            cells.append(("code", body.strip("\n")))
        else:
            raise ValueError(f"cannot read the cell header '%%% {header}'")
    return cells


def _pick_language(body: str, language: str, header: str) -> str:
    if "\n@@ " not in "\n" + body:
        return body.strip("\n")
    texts: Dict[str, List[str]] = {}
    current: Optional[str] = None
    for line in body.split("\n"):
        if line.startswith("@@ "):
            current = line[3:].strip()
            texts[current] = []
        elif current is not None:
            texts[current].append(line)
        elif line.strip():
            raise ValueError(f"text before the first '@@ language' line in '%%% {header}': {line!r}")
    if language not in texts:
        raise ValueError(f"a markdown cell has no '@@ {language}' text (it starts: {body.strip()[:60]!r})")
    return "\n".join(texts[language]).strip("\n")


def notebook_path(name: str, language: str) -> Path:
    first = NOTEBOOKS[name][0]
    return HERE / (f"{name}.ipynb" if language == first else f"{name}.{language}.ipynb")


def targets(names: Sequence[str] = ()) -> List[Tuple[str, str]]:
    """(notebook name, language) for every notebook file, or for the named notebooks only."""
    unknown = [n for n in names if n not in NOTEBOOKS]
    if unknown:
        raise SystemExit(f"unknown notebook(s) {unknown}; choose from {list(NOTEBOOKS)}")
    return [(n, lang) for n in NOTEBOOKS if not names or n in names for lang in NOTEBOOKS[n]]


def generate(name: str, language: str, available: Optional[Dict[str, bool]] = None) -> nbformat.NotebookNode:
    """The notebook's cells (no outputs yet) as its source says, for one language."""
    text = (SOURCES / f"{name}.nbsrc").read_text(encoding="utf-8")
    cells = parse(text, language, features() if available is None else available)
    nb = nbformat.v4.new_notebook()
    for i, (kind, source) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source, id=f"{name}-{language}-{i}"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["tinygrad_edu"] = {"source": f"src/{name}.nbsrc", "language": language,
                                   "built_by": "python notebooks/build.py"}
    return nb


def cell_sources(nb: nbformat.NotebookNode) -> List[Cell]:
    """What the staleness check compares: each cell's type and source (not outputs or execution counts)."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


class _ThisPython(KernelSpecManager):
    """A kernel spec for the interpreter running this script, whatever kernels Jupyter has installed elsewhere."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        path = os.pathsep.join([str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
        return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                          display_name="Python 3", language="python",
                          env={"PYTHONPATH": path, "MPLBACKEND": "module://matplotlib_inline.backend_inline"})


def execute(nb: nbformat.NotebookNode, timeout: int = TIMEOUT) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel (working directory: this folder). A failing cell raises CellExecutionError."""
    km = KernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())
    client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}})
    client.execute()
    for cell in nb.cells:  # a widget's text fallback is its first state ("0%"): a code host would show that
        for output in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
                output["data"].pop("text/plain", None)
    return nb


def write_atomically(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write the notebook to a temporary file beside `path`, then rename it: a crash never leaves half a notebook."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a notebook is for everyone to read
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def stale(names: Sequence[str] = ()) -> List[str]:
    """The stored notebooks that are missing or whose cells differ from what their source generates."""
    available = features()
    bad = []
    for name, language in targets(names):
        path = notebook_path(name, language)
        if not path.exists() or cell_sources(nbformat.read(path, as_version=4)) != cell_sources(
                generate(name, language, available)):
            bad.append(path.name)
    return bad


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help=f"notebooks to build (default: all of {list(NOTEBOOKS)})")
    parser.add_argument("--check", action="store_true", help="only check that the stored notebooks are up to date")
    args = parser.parse_args(argv)
    if args.check:
        bad = stale(args.names)
        for name in bad:
            print(f"{name} is not what its source generates: run python notebooks/build.py")
        return 1 if bad else 0
    available = features()
    print(f"player cell: {'included' if available['play'] else 'left out (tinygrad_edu.viz has no play)'}")
    for name, language in targets(args.names):
        nb = generate(name, language, available)
        start = time.perf_counter()
        execute(nb)
        seconds = time.perf_counter() - start
        path = notebook_path(name, language)
        write_atomically(nb, path)
        print(f"{path.name}: {len(nb.cells)} cells, ran in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
