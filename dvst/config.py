"""YAML configuration files: safe loading and strict mapping onto dataclasses.

Every configuration in the project (radio profiles, model sizes, training recipes, channel
scenarios, calibration profiles) is a dataclass filled from YAML by :func:`from_mapping`,
which rejects unknown keys and wrong types with a one-line :class:`DvstError`.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
from pathlib import Path
from typing import Any, Mapping, TypeVar

import yaml

from dvst.errors import DvstError

T = TypeVar("T")


def config_root() -> Path:
    """The folder holding the shipped ``configs/`` tree (source checkout or installed)."""
    here = Path(__file__).resolve().parent.parent / "configs"
    if here.is_dir():
        return here
    installed = Path(sys.prefix) / "share" / "dvst" / "configs"
    if installed.is_dir():
        return installed
    raise DvstError("cannot find the configs/ folder; reinstall the package")


def resolve_config(name_or_path: str | os.PathLike, kind: str) -> Path:
    """A path to a YAML file: an existing path, or a shipped name under ``configs/KIND/``."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise DvstError(f"{kind} config not found: {p}")
        return p
    shipped = config_root() / kind / f"{name_or_path}.yaml"
    if not shipped.is_file():
        names = sorted(q.stem for q in (config_root() / kind).glob("*.yaml"))
        raise DvstError(f"unknown {kind} config {str(name_or_path)!r}; shipped: {', '.join(names)}")
    return shipped


MAX_YAML_BYTES = 1 << 20     # a configuration file is a few kB; a larger one is a mistake or an attack
MAX_YAML_VALUES = 100_000    # scalars and containers after alias expansion ("billion laughs")


def brief(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, built without expanding the whole value
    (an error message must stay one short line whatever the file holds)."""
    import reprlib

    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxstring, r.maxother = 2, 4, 4, 4, limit, limit
    text = r.repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _expanded_size(data: Any, limit: int) -> int:
    """How many values ``data`` holds with every alias expanded, counting up to ``limit`` + 1."""
    n, stack = 0, [data]
    while stack and n <= limit:
        v = stack.pop()
        n += 1
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
    return n


def load_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """Read a YAML mapping with ``yaml.safe_load``; a missing, malformed or oversized file
    (over MAX_YAML_BYTES, or MAX_YAML_VALUES once aliases are expanded) is a DvstError."""
    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > MAX_YAML_BYTES:
            raise DvstError(f"config file {p} is larger than {MAX_YAML_BYTES >> 10} kB")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DvstError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise DvstError(f"cannot read config file {p}: {e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        what = " ".join(str(getattr(e, "problem", None) or e).split())  # one line, whatever PyYAML says
        raise DvstError(f"bad YAML in {p}{where}: {what}") from None
    if data is None:
        return {}
    if _expanded_size(data, MAX_YAML_VALUES) > MAX_YAML_VALUES:
        raise DvstError(f"{p}: more than {MAX_YAML_VALUES} values once its aliases are expanded")
    if not isinstance(data, dict):
        raise DvstError(f"{p}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def _coerce(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except DvstError as e:
                errors.append(str(e))
        raise DvstError(errors[0] if errors else f"{where}: bad value {brief(value)}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise DvstError(f"{where}: expected a mapping, got {brief(value)}")
        return from_mapping(tp, value, where)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise DvstError(f"{where}: expected a list, got {brief(value)}")
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, Mapping):
            raise DvstError(f"{where}: expected a mapping, got {brief(value)}")
        vt = args[1] if len(args) == 2 else Any
        return {k: _coerce(v, vt, f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DvstError(f"{where}: expected a number, got {brief(value)}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DvstError(f"{where}: expected an integer, got {brief(value)}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise DvstError(f"{where}: expected true or false, got {brief(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise DvstError(f"{where}: expected a string, got {brief(value)}")
        return value
    return value


def from_mapping(cls: type[T], data: Mapping[str, Any], where: str = "config") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys and wrong types are DvstErrors.

    Missing keys take the dataclass defaults; nested dataclasses are filled recursively.
    ``__post_init__`` may raise DvstError for impossible values.
    """
    if not isinstance(data, Mapping):
        raise DvstError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise DvstError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}") for k, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise DvstError(f"{where}: {e}") from None


def to_mapping(obj: Any) -> Any:
    """The inverse of :func:`from_mapping`: plain dicts and lists, ready for ``yaml.safe_dump``."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_mapping(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_mapping(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_mapping(v) for k, v in obj.items()}
    return obj


def load_dataclass(cls: type[T], name_or_path: str | os.PathLike, kind: str,
                   overrides: Mapping[str, Any] | None = None) -> T:
    """Load ``configs/KIND/NAME.yaml`` (or a path) into ``cls``, then apply flat overrides."""
    path = resolve_config(name_or_path, kind)
    data = load_yaml(path)
    if overrides:
        data = {**data, **{k: v for k, v in overrides.items() if v is not None}}
    return from_mapping(cls, data, where=str(path.name))
