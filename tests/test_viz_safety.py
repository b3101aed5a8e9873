"""Pictures that cannot break or hang: every label escaped the same way (NUL bytes, HTML-looking names), `dot`
stopped after a time limit with a clear message, and a notebook cell without Graphviz shows how to install it."""

import shutil

import pytest

from tinygrad_edu import Tensor, Value
from tinygrad_edu.viz import GraphvizTimeoutError, draw_graph, render
from tinygrad_edu.viz import graph as graph_module

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")

EVIL = '<x xlink:href="javascript:alert(1)">'


class Named:
    """A model whose parameters have whatever names we like."""

    def __init__(self, params):
        self.params = params

    def named_parameters(self):
        return list(self.params.items())


def evil_graph():
    """A small graph whose labels, op names and parameter names are full of DOT and HTML syntax."""
    a = Value(1.5, label="a\x00b")
    w = Value(-2.0, label='<<B>w</B>>')
    out = (a * w).tanh()
    out.label = '\\N "quoted" {x|y} \\'
    out.backward()
    return out, Named({EVIL + ".0.w": w, "odd\x00name.1.b": a})


def all_drawings(out, model):
    yield draw_graph(out)
    yield draw_graph(out, show_trace=True)
    yield draw_graph(out, model=model, grad_flow=True)
    yield draw_graph(out, model=model, collapse="layer", grad_flow=True)
    yield draw_graph(out, collapse="op")


def test_no_raw_nul_and_no_html_from_names_in_the_dot_source():
    out, model = evil_graph()
    for graph in all_drawings(out, model):
        source = graph.source
        assert "\x00" not in source
        for line in source.splitlines():
            # an HTML-like label starts with label=<; only our own legend and trace labels may use it
            if "label=<" in line:
                assert "javascript" not in line and "<B>w</B>" not in line


@needs_dot
def test_every_drawing_of_hostile_labels_renders_and_shows_them_as_text(tmp_path):
    out, model = evil_graph()
    for k, graph in enumerate(all_drawings(out, model)):
        svg = render(graph, tmp_path / f"g{k}.svg").read_text()
        assert "<x xlink" not in svg and "javascript:alert(1)\">" not in svg  # shown as text, not as markup
    svg = (tmp_path / "g2.svg").read_text()
    assert "&lt;x xlink:href=&quot;javascript:alert(1)&quot;&gt;" in svg  # the cluster title, escaped
    assert "a\\x00b" in (tmp_path / "g0.svg").read_text()  # the NUL is shown as an escape


def test_notebook_display_without_dot_shows_our_install_message(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out, _ = evil_graph()
    bundle = draw_graph(out)._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "Graphviz's 'dot' program was not found" in bundle["text/plain"]
    assert "apt-get install graphviz" in bundle["text/plain"]


@needs_dot
def test_notebook_display_with_dot_is_svg():
    out, _ = evil_graph()
    bundle = draw_graph(out)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


@needs_dot
def test_dot_is_stopped_after_the_time_limit_with_a_clear_message(monkeypatch, tmp_path):
    out, _ = evil_graph()
    with pytest.raises(GraphvizTimeoutError, match=r"more than 1e-06 s .*collapse="):
        render(draw_graph(out), tmp_path / "slow.svg", timeout=1e-6)
    assert not (tmp_path / "slow.svg").exists()
    monkeypatch.setattr(graph_module, "DOT_TIMEOUT", 1e-6)
    assert "more than 1e-06 s" in draw_graph(out)._repr_mimebundle_()["text/plain"]


def test_tensor_labels_are_escaped_too():
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    x.label = "x\x01<b>"
    y = (x * 2).sum()
    y.backward()
    source = draw_graph(y).source
    assert "\x01" not in source and "x\\\\x01\\<b\\>" in source
