"""YAML configuration files: safe loading and strict mapping onto dataclasses.

Every configuration in the project (radio profiles, model sizes, training recipes, channel
scenarios, calibration profiles) is a dataclass filled from YAML by :func:`from_mapping`,
which rejects unknown keys and wrong types with a one-line :class:`ConfigError`.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from foundation.errors import ConfigError, ProjectError

T = TypeVar("T")


def shipped(package: str, folder: str) -> Traversable:
    """The folder of YAML files a package ships (``shipped("radio", "profiles")``), read as a
    package resource: a source checkout, a wheel, a ``--user`` install all work alike."""
    return resources.files(package).joinpath(folder)


def shipped_names(folder: Traversable) -> list[str]:
    """Names (file stems) of the YAML files in a shipped folder, sorted."""
    return sorted(f.name.rsplit(".", 1)[0] for f in folder.iterdir() if f.name.endswith(".yaml"))


def resolve_config(name_or_path: str | os.PathLike, kind: str,
                   folder: Traversable | None = None) -> Path | Traversable:
    """A YAML file: an existing path, or a name shipped in ``folder`` (see :func:`shipped`).

    kind: what the file configures, for messages ("radio profile", "model").
    """
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists() or folder is None:
        if not p.is_file():
            raise ConfigError(f"{kind} config not found: {p}")
        return p
    candidate = folder.joinpath(f"{name_or_path}.yaml")
    if not candidate.is_file():
        raise ConfigError(f"unknown {kind} config {str(name_or_path)!r}; shipped: {', '.join(shipped_names(folder))}")
    return candidate


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


def load_yaml(path: str | os.PathLike | Traversable) -> dict[str, Any]:
    """Read a YAML mapping with ``yaml.safe_load``; a missing, malformed or oversized file
    (over MAX_YAML_BYTES, or MAX_YAML_VALUES once aliases are expanded) is a ConfigError.
    ``path`` may be a shipped resource (:func:`resolve_config`)."""
    p = path if isinstance(path, Traversable) and not isinstance(path, Path) else Path(path)
    try:
        if isinstance(p, Path) and p.is_file() and p.stat().st_size > MAX_YAML_BYTES:
            raise ConfigError(f"config file {p} is larger than {MAX_YAML_BYTES >> 10} kB")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config file {p}: {e}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        what = " ".join(str(getattr(e, "problem", None) or e).split())  # one line, whatever PyYAML says
        raise ConfigError(f"bad YAML in {p}{where}: {what}") from None
    if data is None:
        return {}
    if _expanded_size(data, MAX_YAML_VALUES) > MAX_YAML_VALUES:
        raise ConfigError(f"{p}: more than {MAX_YAML_VALUES} values once its aliases are expanded")
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level, got {type(data).__name__}")
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
            except ProjectError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{where}: bad value {brief(value)}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {brief(value)}")
        return from_mapping(tp, value, where)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {brief(value)}")
        inner = args[0] if args else Any
        items = [_coerce(v, inner, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {brief(value)}")
        vt = args[1] if len(args) == 2 else Any
        return {k: _coerce(v, vt, f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {brief(value)}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {brief(value)}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {brief(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {brief(value)}")
        return value
    return value


def from_mapping(cls: type[T], data: Mapping[str, Any], where: str = "config") -> T:
    """Build dataclass ``cls`` from ``data``; unknown keys and wrong types are ConfigErrors.

    Missing keys take the dataclass defaults; nested dataclasses are filled recursively.
    ``__post_init__`` may raise ConfigError for impossible values.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    kwargs = {k: _coerce(v, hints[k], f"{where}.{k}") for k, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise ConfigError(f"{where}: {e}") from None


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
                   folder: Traversable | None = None, overrides: Mapping[str, Any] | None = None) -> T:
    """Load a YAML path, or a name shipped in ``folder``, into ``cls``, then apply flat
    overrides (None values are skipped). kind: what it configures, for messages."""
    path = resolve_config(name_or_path, kind, folder)
    data = load_yaml(path)
    if overrides:
        data = {**data, **{k: v for k, v in overrides.items() if v is not None}}
    return from_mapping(cls, data, where=str(path.name))
