"""A theorem of the registry with its statuses (verifier.registry, verifier.pipeline)."""
from __future__ import annotations

import functools
import threading

from fastapi import APIRouter, HTTPException, Path

from service import schemas as s
from service._call import offload

router = APIRouter(prefix="/theorems", tags=["theorems"])
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _registry():
    from verifier import registry

    return registry.load()


@functools.lru_cache(maxsize=512)
def _status(tid):
    """Checker statuses of one theorem, computed once per process (``pipeline.verify``)."""
    from verifier import pipeline

    with _lock:
        rows, _ = pipeline.verify(_registry(), only=[str(tid)])
    return rows[0]


def _view(key):
    reg = _registry()
    try:
        t = reg.theorem(key)
    except KeyError:
        return None
    from verifier import pipeline

    row = _status(t.id)
    from verifier.evidence import Evidence

    ev = Evidence(reg).theorem(t.id)          # the last witness report of the project's build/
    return s.TheoremStatus(evidence=s.EvidenceStatus(status=ev["status"], witness=str(ev["witness"]),
                                                     facts_with_findings=list(ev["facts_with_findings"])),
                           id=t.id, name=t.name, lean_name=t.lean_name, part=str(t.part),
                           statement=t.statement.show(), status_printed=t.status_printed,
                           kernel=str(row["kernel"]), z3=row.get("z3"), sympy=row.get("sympy"),
                           vacuity=row.get("vacuity"), ok=bool(pipeline.row_ok(row)))


@router.get("/{theorem_id}", response_model=s.TheoremStatus, responses={404: {"model": s.Error}})
async def theorem(theorem_id: str = Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.']+$")):
    """A theorem (by id, name or Lean name) with its kernel, Z3, SymPy and vacuity statuses."""
    out, _ = await offload(_view, theorem_id)
    if out is None:
        raise HTTPException(404, f"no theorem {theorem_id!r}")
    return out
