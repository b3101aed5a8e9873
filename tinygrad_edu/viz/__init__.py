"""See the graph: Graphviz pictures of the compute graph and of the gradient flowing back through it.

    from tinygrad_edu.viz import draw_graph, render, backprop_trace, format_trace
    loss.backward()
    draw_graph(loss, model=model, grad_flow=True)       # shows inline in Jupyter
    render(draw_graph(loss), "graph.svg")               # or write a file
    print(format_trace(backprop_trace(loss)))           # what backward() did, step by step
    play(loss, model=model, lr=0.1).save("loss.html")   # watch it step by step in the browser
"""

from .graph import Graph, GraphvizNotFoundError, GraphvizTimeoutError, draw_graph, parameter_names, render
from .player import Player, TrainingPlayer, play, play_training, record_training
from .plots import plot_grad_norms
from .trace import ParentFlow, TraceStep, backprop_trace, format_trace, replay_backward

__all__ = [
    "draw_graph",
    "render",
    "parameter_names",
    "GraphvizNotFoundError",
    "GraphvizTimeoutError",
    "Graph",
    "backprop_trace",
    "format_trace",
    "replay_backward",
    "TraceStep",
    "ParentFlow",
    "plot_grad_norms",
    "play",
    "Player",
    "play_training",
    "record_training",
    "TrainingPlayer",
]
