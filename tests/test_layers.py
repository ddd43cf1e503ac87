"""The architecture holds: imports point down (import-linter), lint passes, and the pieces
that replaced ad-hoc code behave (scheme registry, one model resolver, flag names in errors)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from foundation.errors import ParameterError, ProjectError

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    path = Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_the_import_contracts_are_kept():
    r = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    assert "BROKEN" not in r.stdout and "Contracts: 6 kept, 0 broken" in r.stdout


def test_lint_passes():
    r = subprocess.run([_tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]


def test_sync_and_foundation_import_nothing_of_the_project():
    """Also without import-linter: a fresh interpreter imports every sync module and finds no
    other project package loaded."""
    code = ("import importlib, pkgutil, sys, sync, foundation\n"
            "for pkg in (sync, foundation):\n"
            "    for m in pkgutil.iter_modules(pkg.__path__):\n"
            "        importlib.import_module(f'{pkg.__name__}.{m.name}')\n"
            "bad = sorted(n for n in sys.modules if n.split('.')[0] in "
            "('dvst', 'radio', 'gui', 'calibration', 'baselines'))\n"
            "print(bad)\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_the_scheme_registry_resolves_names_and_refuses_others():
    from dvst.bench.schemes import REGISTRY, get_scheme, get_schemes

    assert {"h264-ldpc", "h265-ldpc", "h264-capacity", "h265-capacity", "softcast", "dvst"} <= set(REGISTRY)
    assert get_scheme("h265-ldpc").label == "H.265 + LDPC"
    one = get_scheme("dvst:quality-r2")
    assert one.name == "dvst:quality-r2" and all(e.name == "quality-r2" for e in one.entries())
    with pytest.raises(ProjectError, match="unknown scheme"):
        get_scheme("mpeg2-turbo")
    with pytest.raises(ProjectError, match="twice"):
        get_schemes(["softcast", "softcast"])


def test_one_resolver_for_every_command(tmp_path):
    """The zoo and the link resolve a name, a config and a checkpoint file alike (they used to
    disagree on file suffixes)."""
    from dvst.codec.checkpoint import save
    from dvst.link.codec import load_codec
    from dvst.zoo import load_model
    from dvst.zoo.resolve import resolve_model

    a = resolve_model("small", seed=3)
    assert a.name == "small (untrained, seed 3)"
    ckpt = tmp_path / "weights.ckpt"   # any suffix: an existing file is a checkpoint
    save(ckpt, a.model)
    for model in (load_model(str(ckpt)), load_codec(str(ckpt)).model, resolve_model(str(ckpt)).model):
        assert all((p == q).all() for p, q in zip(model.state_dict().values(), a.model.state_dict().values()))
    with pytest.raises(ProjectError, match="not found"):
        resolve_model(str(tmp_path / "missing.pt"))
    with pytest.raises(ProjectError, match="unknown model"):
        load_model("no-such-model")


def test_library_errors_name_the_parameter_and_the_cli_says_the_flag(capsys):
    from dvst.cli import main
    from dvst.link.link_config import LinkConfig

    with pytest.raises(ParameterError) as e:
        LinkConfig(snr_db=100.0)
    assert e.value.parameter == "snr_db" and "--" not in str(e.value)
    assert main(["loopback", "--snr", "100", "--frames", "2"]) == 2
    assert "dvst: error: --snr must be in -30 .. 60 dB" in capsys.readouterr().err
