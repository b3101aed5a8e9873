"""The saved players in a real browser: headless Chromium (Debian's `chromium`) driven by Playwright for Python.

No browser is downloaded: Playwright launches the system Chromium at CHROMIUM. Without it (or without the pip
package `playwright`) these tests skip with a message naming what to install; everything else still runs.
Each page is loaded from file:// with every request recorded: only the page itself may be loaded.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from tinygrad_edu.autograd import toposort
from tinygrad_edu.viz import play
from tinygrad_edu.viz.graph import _array_text

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole module."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the pip package playwright "
                                   "(pip install playwright==1.49.1; no `playwright install` needed)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}: install the Debian package `chromium` "
                    "(apt-get install chromium) or set CHROMIUM=/path/to/chromium")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """The example players, written once by the `play` command (short training runs)."""
    from tinygrad_edu.__main__ import write_players

    out = tmp_path_factory.mktemp("players")
    return {p.stem: p for p in write_players(out, fast=True)}


class Opened:
    """A page loaded from disk, with its console errors and every request it made."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: List[str] = []
        self.requests: List[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)

    def _route(self, route: Any) -> None:
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.requests == [self.url]

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def opener(browser: Any) -> Iterator[Any]:
    opened: List[Opened] = []

    def open_page(path: Path) -> Opened:
        opened.append(Opened(browser, path))
        return opened[-1]

    yield open_page
    for o in opened:
        o.close()


def svg_texts(page: Any, key: str) -> List[str]:
    """The texts of one box of the picture, as shown now."""
    return page.evaluate("""key => {
        const g = Array.from(document.querySelectorAll('#graph g.node'))
            .find(g => g.querySelector('title').textContent === key);
        return Array.from(g.querySelectorAll('text')).map(t => t.textContent);
    }""", key)


def test_every_example_loads_with_no_error_and_no_request(opener, pages):
    for name, path in pages.items():
        o = opener(path)
        assert o.page.evaluate("window.tgPlayer.count") > 1, name
        o.page.keyboard.press("ArrowRight")
        o.page.keyboard.press("End")
        o.check_clean()


def test_arrow_keys_to_the_end_show_the_engines_gradients(opener, tmp_path):
    from tinygrad_edu.__main__ import readme_expression

    d = readme_expression()
    path = play(d).save(tmp_path / "expression.html")
    o = opener(path)
    count = o.page.evaluate("window.tgPlayer.count")
    for _ in range(count - 1):
        o.page.keyboard.press("ArrowRight")
    assert o.page.evaluate("window.tgPlayer.frame()") == count - 1
    for i, node in enumerate(toposort(d)):
        assert f"grad {node.grad:.4f}" in svg_texts(o.page, f"v{i}"), node
    o.check_clean()


def test_arrow_keys_on_a_tensor_graph(opener, tmp_path):
    from tinygrad_edu.__main__ import tensor_neuron

    loss = tensor_neuron()
    o = opener(play(loss).save(tmp_path / "tensor.html"))
    for _ in range(o.page.evaluate("window.tgPlayer.count") - 1):
        o.page.keyboard.press("ArrowRight")
    for i, node in enumerate(toposort(loss)):
        if node.grad is not None:
            first_line = ("grad " + _array_text(node.grad)).split("\n")[0]
            assert first_line in svg_texts(o.page, f"v{i}")
    o.check_clean()


def test_tanh_step_text_and_clicking_an_op(opener, pages):
    o = opener(pages["neuron"])
    frames = o.page.evaluate("window.tgPlayer.data.frames.map(f => f.t)")
    k = next(i for i, t in enumerate(frames) if t.startswith("backward ") and ": tanh" in t)
    o.page.keyboard.press("Home")
    for _ in range(k):
        o.page.keyboard.press("ArrowRight")
    text = o.page.inner_text("#steptext")
    assert "1 - out² = 1 - " in text and "→ z.grad" in text
    op_key = o.page.evaluate(f"window.tgPlayer.data.frames[{k}].f[0]")  # the tanh op's box
    o.page.click(f"#graph g.node:has(title:text-is('{op_key}'))")
    assert "backward:" in o.page.inner_text("#infotext")
    o.page.click("#phases button[data-phase=update]")
    assert o.page.inner_text("#phase") == "update"
    o.check_clean()


def test_training_slider_moves_the_boundary_and_the_loss_cursor(opener, pages):
    for name in ("training_moons", "training_lesson"):
        o = opener(pages[name])
        before = (o.page.evaluate("document.getElementById('boundary').toDataURL()"),
                  o.page.get_attribute("#cursor", "x1"))
        last = o.page.evaluate("window.tgPlayer.count") - 1
        o.page.evaluate("""k => { const s = document.getElementById('slider'); s.value = String(k);
                            s.dispatchEvent(new Event('input')); }""", last)
        after = (o.page.evaluate("document.getElementById('boundary').toDataURL()"),
                 o.page.get_attribute("#cursor", "x1"))
        assert before[0] != after[0], name
        assert float(after[1]) > float(before[1]), name
        assert f"step {last}" in o.page.inner_text("#curvenote")
        o.page.evaluate("window.tgPlayer.pick(1)")
        assert "#" in o.page.inner_text("#samplename")
        o.check_clean()


def test_jupyter_gets_html(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="needs the pip packages nbformat, nbclient and ipykernel")
    nbclient = pytest.importorskip("nbclient", reason="needs the pip packages nbclient and ipykernel")
    pytest.importorskip("ipykernel", reason="needs the pip package ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import sys; sys.path.insert(0, %r)\n"
        "from tinygrad_edu import Value\nfrom tinygrad_edu.viz import play\n"
        "x = Value(0.5, label='x'); y = x.tanh(); y.backward()\nplay(y)" % str(ROOT))]
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    try:
        client.execute()
    except Exception as e:  # no kernel spec installed: say so instead of failing obscurely
        if "No such kernel" in str(e):
            pytest.skip(f"no python3 Jupyter kernel: {e} (pip install ipykernel)")
        raise
    outputs = nb.cells[0].outputs
    html_out = [o for o in outputs if o.get("output_type") == "execute_result" and "text/html" in o.get("data", {})]
    assert html_out, outputs
    assert html_out[0]["data"]["text/html"].startswith("<iframe srcdoc=")
