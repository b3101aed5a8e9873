"""The README says only what a command printed: its snippets run and print what the page shows, and the demos'
figures in its table are the ones the demos print (times vary with load, so the table gives them as ranges and
they are not compared)."""

import contextlib
import importlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
TEXT = README.read_text()


def python_blocks():
    """(code, the ```text block right after it or None) for every ```python block."""
    pattern = re.compile(r"```python\n(.*?)```\n(?:\n[^`\n][^\n]*)*\n*(?:```text\n(.*?)```)?", re.S)
    return [(m.group(1), m.group(2)) for m in pattern.finditer(TEXT)]


def run(code, cwd):
    out = io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)  # the snippets write their pictures into the current folder
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    finally:
        os.chdir(here)
    return out.getvalue()


def promised_by_comments(code):
    """`print(x)   # 1.0` promises the line `1.0`."""
    return [line.split("# ", 1)[1].strip() for line in code.splitlines() if line.startswith("print(") and "# " in line]


def test_the_opening_example_is_short():
    code, _ = python_blocks()[0]
    assert len(code.strip().splitlines()) <= 10


SNIPPETS = [k for k, (code, _) in enumerate(python_blocks()) if "detect_anomaly" not in code]  # that one raises


@pytest.mark.parametrize("index", SNIPPETS)
def test_every_snippet_prints_what_the_readme_shows(index, tmp_path):
    code, shown = python_blocks()[index]
    if "render(" in code and shutil.which("dot") is None:
        pytest.skip("needs Graphviz's dot")
    printed = run(code, tmp_path).strip().splitlines()
    promised = promised_by_comments(code)
    assert promised or shown is not None, "a snippet that prints nothing the page shows cannot be checked"
    if promised:
        assert printed == promised
    if shown is not None:
        assert printed == shown.strip().splitlines()


def test_the_anomaly_example_ends_as_shown(tmp_path):
    (code, shown), = [(c, s) for c, s in python_blocks() if "detect_anomaly" in c]
    script = tmp_path / "debug_loss.py"
    script.write_text(code)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    lines = done.stderr.replace(str(script), "/path/to/debug_loss.py").strip().splitlines()
    expected = shown.strip().splitlines()
    assert lines[-len(expected):] == expected


# ----------------------------------------------------------------------------------------------- the demos' table

TIMES = re.compile(r"\d[\d.]*(?: to [\d.]+)? s\b")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?%?")


def table_figures(command):
    """The numbers in the figures column of the demos table's row for `command`, times left out."""
    (row,) = [line for line in TEXT.splitlines() if line.startswith(f"| `{command}`")]
    figures = TIMES.sub("", row.rsplit("|", 2)[1])
    return NUMBER.findall(figures)


def demo_output(name, argv, capsys, tmp_path):
    sys.path.insert(0, str(ROOT / "demos"))
    try:
        importlib.import_module(name).main(argv + ["--out", str(tmp_path)])
    finally:
        sys.path.remove(str(ROOT / "demos"))
    return capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("command, demo", [("make demo", "main"), ("make lesson-2d", "lesson_2d"),
                                           ("make loss-functions", "loss_functions"),
                                           ("make regression", "regression"), ("make mnist-lab", "mnist_lab")])
def test_the_demos_table_shows_what_each_demo_prints(command, demo, capsys, tmp_path):
    figures = table_figures(command)
    assert figures, f"no figures in the row of {command}"
    out = demo_output(demo, [], capsys, tmp_path)
    missing = [f for f in figures if f not in out]
    assert not missing, f"{command}: the README shows {missing}, which the demo did not print"


def test_every_make_target_the_readme_shows_exists():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+(?: [\w-]+)*):", makefile, re.M))
    defined = {t for group in targets for t in group.split()}
    for target in set(re.findall(r"`make ([\w-]+)", TEXT)) | set(re.findall(r"^make ([\w-]+)", TEXT, re.M)):
        assert target in defined, f"the README shows `make {target}`, which the Makefile does not define"
    for demo in re.findall(r"demos/(\w+)\.py", TEXT):
        assert (ROOT / "demos" / f"{demo}.py").exists()


def test_readme_pictures_exist():
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)|<img src=\"([^\"]+)\"", TEXT):
        path = next(t for t in target if t)
        if not path.startswith("http"):
            assert (ROOT / path).exists(), path
