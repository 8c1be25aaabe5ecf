"""Witness observables (see base.py for the contract and the registry entry format).

Every module in this package is imported by ``load_all()``; each registers its
observables with ``@observable``.
"""

import importlib
import pkgutil

from .base import OBSERVABLES, Measurement, Observable, Value, get, observable

_loaded = False


def load_all():
    global _loaded
    if _loaded:
        return OBSERVABLES
    for info in pkgutil.iter_modules(__path__):
        if info.name != "base":
            importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True
    return OBSERVABLES


__all__ = ["OBSERVABLES", "Measurement", "Observable", "Value", "get", "observable", "load_all"]
