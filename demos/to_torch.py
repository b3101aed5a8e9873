"""Outgrow the engine: train a network here, move it to PyTorch with `nn.to_torch`, and keep training there.

The model (an MLP on the two-moons data) trains for a few epochs with tinygrad_edu's SGD. `nn.to_torch(model)`
then builds the same network as a `torch.nn.Module` with the same weights: the same outputs (to float32
rounding) and the same `state_dict` keys. Training continues with `torch.optim.SGD` from exactly where it
stopped, and the loss curve carries on without a jump. At the end the torch weights come back with
`model.load_state_dict(torch_model.state_dict())`, and both engines report the same validation loss.

    python demos/to_torch.py             # needs PyTorch; picture in out/to_torch/
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import matplotlib.pyplot as plt
import numpy as np

from _common import finish, header, output_dir, parse_args, save_figure, say
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, make_moons, train_val_split
from tinygrad_edu.train import evaluate, fit

SIZES = [2, 16, 16, 2]
LEARNING_RATE = 0.05
MOMENTUM = 0.9
BATCH_SIZE = 32
EPOCHS_HERE = 15
EPOCHS_THERE = 15


def train_in_torch(torch: Any, model: Any, loader: DataLoader, epochs: int) -> List[float]:
    """The plain PyTorch loop, on the same batches: one mean training loss per epoch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    losses = []
    for _ in range(epochs):
        model.train()
        total, seen = 0.0, 0
        for xb, yb in loader:
            x, y = torch.from_numpy(xb.numpy()), torch.from_numpy(yb.numpy())
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            seen += len(y)
        losses.append(total / seen)
    return losses


def plot_losses(here: List[float], there: List[float], path: Path) -> Path:
    """One training-loss curve, the first part trained by tinygrad_edu and the rest by PyTorch."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    epochs_here = np.arange(1, len(here) + 1)
    epochs_there = np.arange(len(here) + 1, len(here) + len(there) + 1)
    ax.plot(epochs_here, here, "o-", color="tab:blue", label="trained with tinygrad_edu")
    ax.plot(epochs_there, there, "s-", color="tab:orange", label="training continued in PyTorch (after nn.to_torch)")
    ax.axvline(len(here) + 0.5, color="0.5", linestyle="--", linewidth=1)
    ax.text(len(here) + 0.7, max(here), "moved to PyTorch", color="0.3", va="top")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title(f"MLP({SIZES}) on two moons: one training run across two engines")
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Train here, convert, train in PyTorch, load back; return the losses, the output difference and the picture."""
    args = parse_args("to_torch", __doc__.split("\n")[0], argv)
    try:
        import torch
    except ImportError:
        say("This demo needs PyTorch: pip install torch")
        return {"skipped": True}
    folder = output_dir(args.out)
    epochs_here, epochs_there = (5, 5) if args.fast else (EPOCHS_HERE, EPOCHS_THERE)
    X, y = make_moons(400, noise=0.2, seed=args.seed)
    X_train, y_train, X_val, y_val = train_val_split(X, y, val_fraction=0.25, seed=args.seed)
    loader = DataLoader(X_train, y_train, batch_size=BATCH_SIZE, seed=args.seed)

    header(f"1. Train MLP({SIZES}) here for {epochs_here} epochs (SGD lr={LEARNING_RATE}, momentum={MOMENTUM})")
    model = nn.MLP(SIZES, seed=args.seed)
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM),
                  loader, epochs_here, progress=False, warn_overfitting=False)
    for epoch, loss in zip(history.epoch, history.train_loss):
        say(f"  tinygrad_edu epoch {epoch:2d}: training loss {loss:.4f}")

    header("2. Move it to PyTorch: torch_model = nn.to_torch(model)")
    torch_model = nn.to_torch(model)
    say("  " + repr(torch_model).replace("\n", "\n  "))
    model.eval()
    torch_model.eval()
    ours = model(X_val).data
    theirs = torch_model(torch.from_numpy(X_val)).detach().numpy()
    difference = float(np.abs(ours - theirs).max())
    say(f"  same state_dict keys: {list(model.state_dict()) == list(torch_model.state_dict())}; largest difference "
        f"between the two engines' outputs on {len(X_val)} validation points: {difference:.1e}")

    header(f"3. Keep training in PyTorch for {epochs_there} epochs (torch.optim.SGD, same batches)")
    there = train_in_torch(torch, torch_model, loader, epochs_there)
    for epoch, loss in enumerate(there, start=epochs_here + 1):
        say(f"  PyTorch      epoch {epoch:2d}: training loss {loss:.4f}")
    say("  (the optimizer's momentum starts afresh in PyTorch: only the weights move across)")

    header("4. Bring the weights back: model.load_state_dict(torch_model.state_dict())")
    model.load_state_dict(torch_model.state_dict())
    torch_model.eval()
    with torch.no_grad():
        torch_val = torch.nn.functional.cross_entropy(torch_model(torch.from_numpy(X_val)), torch.from_numpy(y_val))
    val_loss, val_acc = evaluate(model, nn.CrossEntropyLoss(), X_val, y_val)
    say(f"  validation loss here {val_loss:.6f}, in PyTorch {torch_val.item():.6f}; validation accuracy {val_acc:.2%}")

    picture = plot_losses(history.train_loss, there, folder / "to_torch.png")
    finish(folder, [picture])
    return {"losses_here": history.train_loss, "losses_torch": there, "max_output_difference": difference,
            "val_loss": val_loss, "torch_val_loss": torch_val.item(), "val_acc": val_acc, "files": [picture],
            "out": folder}


if __name__ == "__main__":
    main()
