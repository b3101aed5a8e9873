"""The set-up the README promises: `make demo` installs no PyTorch, `make test` only a pinned CPU build, and the
package ships what it says (licences, py.typed, the MNIST files); the sdist leaves the tests out."""

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUP = (ROOT / "scripts" / "setup.sh").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_setup_script_parses():
    assert subprocess.run(["bash", "-n", str(ROOT / "scripts" / "setup.sh")]).returncode == 0


def test_torch_is_never_unpinned_and_not_a_demo_dependency():
    deps = PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["test"]
    assert not any(d.lower().startswith("torch") for d in deps)
    for line in SETUP.splitlines():
        if re.search(r"pip\S*\s.*install|PIP\[@\]\}\" install", line) and "torch" in line.lower():
            assert "TORCH_VERSION" in line or "torch_args" in line, line
    assert re.search(r'^TORCH_VERSION="2\.13\.0"$', SETUP, re.M)
    assert 'torch_args=(--index-url "$TORCH_INDEX_URL" "torch==$TORCH_VERSION")' in SETUP
    demo_part = SETUP.split('if [ "$WHAT" = demo ]; then', 1)[1].split("fi", 1)[0]
    assert "torch" not in demo_part and "install -q -e ." in demo_part


def test_package_data_ships_the_licences_and_type_marker():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    mnist_licence = (ROOT / "tinygrad_edu" / "data" / "mnist" / "LICENSE").read_text()
    assert "CC BY-SA 3.0" in mnist_licence
    assert (ROOT / "tinygrad_edu" / "py.typed").exists()
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["tinygrad_edu"] and "mnist/LICENSE" in data["tinygrad_edu.data"]


def test_sdist_leaves_out_tests_that_need_the_repository():
    manifest = (ROOT / "MANIFEST.in").read_text().splitlines()
    assert "prune tests" in manifest and "prune demos" in manifest


def test_graph_command_output_folder_is_ignored():
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "graphs/" in ignored and "out/" in ignored


def test_sdist_carries_every_picture_the_readme_and_docs_show(tmp_path):
    """The README's relative image links work in an unpacked sdist: every picture they name is inside it."""
    import os
    import shutil
    import tarfile

    from setuptools import build_meta

    shown = set()
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for link in re.findall(r'!\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src="([^"]+)"', page.read_text()):
            target = next(part for part in link if part)
            if "://" not in target:
                shown.add((page.parent / target).resolve().relative_to(ROOT).as_posix())
    assert "docs/images/player/neuron_player.gif" in shown  # the pattern finds the README's pictures
    for path in shown:
        assert (ROOT / path).is_file(), f"{path} is shown but missing"
    # build from a copy of the tracked files: an old *.egg-info/SOURCES.txt in the working tree would add its files
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    clean = tmp_path / "clean"
    for relative in tracked.decode().split("\0"):
        if relative and (ROOT / relative).is_file():
            (clean / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, clean / relative)
    cwd = os.getcwd()
    try:
        os.chdir(clean)
        name = build_meta.build_sdist(str(tmp_path))
    finally:
        os.chdir(cwd)
    with tarfile.open(tmp_path / name) as sdist:
        inside = {member.split("/", 1)[1] for member in sdist.getnames() if "/" in member}
    assert shown <= inside, f"missing from the sdist: {sorted(shown - inside)}"
