"""``repr`` of an estimator from its constructor: the parameters that identify it plus every one
that differs from its default (as scikit-learn prints estimators), so that two estimators with
the same ``repr`` were built with the same settings (benchmarks key their resume on it)."""

from __future__ import annotations

import inspect


def constructor_repr(obj: object, always: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> str:
    """``Name(a=..., b=...)``: the parameters in ``always``, then the other ``__init__``
    parameters whose attribute of the same name differs from the default, in signature order.
    Callables print by ``__name__``; ``skip`` names parameters never shown (e.g. ``progress``)."""
    shown = []
    for name, param in inspect.signature(type(obj).__init__).parameters.items():
        if name == "self" or name in skip or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        value = getattr(obj, name, param.default)
        if name not in always and _same(value, param.default):
            continue
        text = getattr(value, "__name__", None) if callable(value) else None
        shown.append(f"{name}={text or repr(value)}")
    return f"{type(obj).__name__}({', '.join(shown)})"


def _same(value: object, default: object) -> bool:
    if default is inspect.Parameter.empty:
        return False
    try:
        if isinstance(default, (list, tuple)) and isinstance(value, (list, tuple)):
            return tuple(value) == tuple(default)
        return bool(value == default) and type(value) is type(default) or value is default
    except Exception:  # noqa: BLE001 (values without a usable ==, e.g. arrays)
        return False
