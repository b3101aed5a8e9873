"""The notebooks in `notebooks/`: each stored notebook is what its source generates, and each one runs.

Running a notebook executes its `assert` cells, which check the lesson's printed numbers (notebook 1), the lab's
answers (notebook 2) and micrograd's 100% on the moons (notebook 3); a failing cell fails the test. Notebooks run
in a kernel of this Python, offline.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebook_build", ROOT / "notebooks" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

TARGETS = build.targets()
IDS = [build.notebook_path(name, lang).name for name, lang in TARGETS]


@pytest.mark.parametrize("name,language", TARGETS, ids=IDS)
def test_stored_notebook_is_what_its_source_generates(name: str, language: str) -> None:
    path = build.notebook_path(name, language)
    assert path.exists(), f"{path.name} is missing: run python notebooks/build.py"
    stored = build.cell_sources(nbformat.read(path, as_version=4))
    generated = build.cell_sources(build.generate(name, language))
    assert stored == generated, f"{path.name} is not what src/{name}.nbsrc generates: run python notebooks/build.py"


def test_stored_notebooks_carry_their_outputs() -> None:
    for name, language in TARGETS:
        nb = nbformat.read(build.notebook_path(name, language), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{name}.{language}: a code cell was never run"
        assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
                   for c in code for o in c.outputs), f"{name}.{language}: no picture in the outputs"


def test_code_cells_are_the_same_in_every_language() -> None:
    for name, languages in build.NOTEBOOKS.items():
        code = {lang: [s for kind, s in build.cell_sources(build.generate(name, lang)) if kind == "code"]
                for lang in languages}
        first = code[languages[0]]
        assert all(cells == first for cells in code.values())
        prose = {lang: [s for kind, s in build.cell_sources(build.generate(name, lang)) if kind == "markdown"]
                 for lang in languages}
        assert len({len(cells) for cells in prose.values()}) == 1


def test_the_source_format_reads_languages_and_conditions() -> None:
    text = "%%% md\n@@ en\nHello\n@@ sr\nЗдраво\n%%% code\nx = 1\n%%% code if play\nplay(x)\n%%% md\nsame text\n"
    assert build.parse(text, "sr", {"play": False}) == [("markdown", "Здраво"), ("code", "x = 1"),
                                                         ("markdown", "same text")]
    assert build.parse(text, "en", {"play": True})[2] == ("code", "play(x)")
    with pytest.raises(ValueError, match="no '@@ hi' text"):
        build.parse(text, "hi", {"play": False})
    with pytest.raises(ValueError, match="unknown condition"):
        build.parse("%%% code if nothing\nx = 1\n", "en", {"play": False})


def _text_outputs(nb) -> str:
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.mark.parametrize("name", list(build.NOTEBOOKS))
def test_notebook_runs(name: str) -> None:
    """Run each notebook's code once: the translations have the same code cells (checked above), only their prose
    differs, and a markdown cell cannot fail. The build script runs every language to store its outputs."""
    nb = build.execute(build.generate(name, build.NOTEBOOKS[name][0]))  # a failing cell or assert raises
    if name == "01_own_framework":
        text = _text_outputs(nb)
        for printed in ("[ 1.77202116 -0.25384488]", "[0.88348621 0.11651379]", "1.429664938969559",
                        "Initial accuracy:  0.725", "Final accuracy:  0.825",
                        "Initial loss=0.6212072429381601, accuracy=0.6875", "accuracy=0.8\n",
                        "Test loss=0.4767711377257787, accuracy=0.85"):
            assert printed in text, f"the lesson's {printed!r} is not in the notebook's output"
        final_loss = float(re.search(r"Final loss=([0-9.]+)", text).group(1))
        assert abs(final_loss - 0.44369925927417986) < 1e-9


def test_a_failing_assert_cell_fails_the_run() -> None:
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import tinygrad_edu\nassert 0.725 == 0.5, 'wrong'")])
    with pytest.raises(CellExecutionError, match="wrong"):
        build.execute(nb)
