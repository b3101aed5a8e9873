"""Screenshots of the real player pages, taken in headless Chromium with the test tooling (Playwright + Debian's
`chromium`), for the README and docs/viz.md.

    python scripts/player_screenshots.py [--out docs/images/player]

Writes PNGs of chosen steps (forward, a tanh backward step, two contributions adding up, a broadcast sum, a
collapsed scalar MLP, the two training players) and an animated GIF of the neuron's player going through all of
its steps (Pillow, which matplotlib already needs).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path
from typing import Any, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinygrad_edu.__main__ import write_players  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def frame_where(page: Any, test: str) -> int:
    """The first frame whose title passes the JavaScript predicate `test` (on `t`)."""
    return page.evaluate(f"window.tgPlayer.data.frames.findIndex(f => {{ const t = f.t; return {test}; }})")


def _pad(img: Any, size: tuple) -> Any:
    from PIL import Image

    canvas = Image.new("RGB", size, "white")
    canvas.paste(img, (0, 0))
    return canvas


def go(page: Any, test: str) -> None:
    """Show the first frame whose title passes `test`."""
    k = frame_where(page, test)
    if k < 0:
        raise ValueError(f"no frame with {test}")
    page.evaluate(f"window.tgPlayer.go({k})")


def shot(page: Any, path: Path, height: int = 0) -> Path:
    """The player's area (or the top `height` pixels of the page) as a PNG."""
    if height:
        page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": page.viewport_size["width"], "height": height})
    else:
        page.locator("#player").screenshot(path=str(path))
    print(f"  {path}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "player")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    from PIL import Image

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        pages = {p.stem: p for p in write_players(Path(tmp))}
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 760})  # the neuron fits at 75%

        def open_(name: str) -> None:
            page.goto(pages[name].resolve().as_uri())

        written: List[Path] = []
        open_("neuron")
        go(page, 't.startsWith("forward 3/")')
        written.append(shot(page, args.out / "neuron_forward.png"))
        go(page, 't.startsWith("backward ") && t.includes(": tanh")')
        written.append(shot(page, args.out / "neuron_backward_tanh.png"))
        go(page, 't.startsWith("update 1")')
        written.append(shot(page, args.out / "neuron_update.png"))

        frames = []  # the GIF: every step of the neuron's player
        for k in range(page.evaluate("window.tgPlayer.count")):
            page.evaluate(f"window.tgPlayer.go({k})")
            png = page.locator("#player").screenshot()
            img = Image.open(io.BytesIO(png)).convert("RGB")
            frames.append(img.resize((img.width * 3 // 5, img.height * 3 // 5), Image.LANCZOS))
        size = (max(f.width for f in frames), max(f.height for f in frames))
        frames = [f if f.size == size else _pad(f, size) for f in frames]
        gif = args.out / "neuron_player.gif"
        palette = [f.quantize(colors=128, method=Image.Quantize.FASTOCTREE) for f in frames]
        palette[0].save(gif, save_all=True, append_images=palette[1:], duration=1400, loop=0, optimize=True)
        print(f"  {gif}")
        written.append(gif)

        open_("readme_expression")
        go(page, 't.startsWith("backward 8/")')
        written.append(shot(page, args.out / "expression_reuse.png"))
        page.set_viewport_size({"width": 1180, "height": 900})  # (README expression: scrolls, following the step)
        open_("tensor_neuron")
        go(page, 't.startsWith("backward 3/")')
        written.append(shot(page, args.out / "tensor_broadcast.png"))
        open_("scalar_mlp")
        go(page, 't.startsWith("backward 5/")')  # the middle layer's box
        written.append(shot(page, args.out / "scalar_mlp_collapsed.png"))
        for name in ("training_moons", "training_lesson"):
            page.set_viewport_size({"width": 1180, "height": 1400})
            open_(name)
            page.evaluate(f"window.tgPlayer.go({page.evaluate('window.tgPlayer.count') * 2 // 3})")
            written.append(shot(page, args.out / f"{name}.png", height=1400))
        browser.close()
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {total / 1024:.0f} KB")


if __name__ == "__main__":
    main()
