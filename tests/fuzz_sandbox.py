"""A sandbox for fuzz examples: one forked worker process under a memory limit.

The parent sends one example at a time and waits at most ``deadline`` seconds for
the answer.  A worker that crashes (segfault, MemoryError) or hangs is killed, the
example that did it is reported, and a fresh worker serves the next example.  Each
answer is ("ok", detail) or ("error", message): an exception of a kind the
example's function does not expect comes back as ("crash", traceback).
"""
from __future__ import annotations

import multiprocessing as mp
import os
import resource
import traceback

MEMORY_BYTES = 1_500_000_000     # address space the worker may add to what it inherited


def _vm_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _one(fns, name, args, seconds):
    from verifier import budget
    try:
        with budget.limit(seconds, f"fuzz example {name}"):
            return "ok", fns[name](*args)
    except budget.StepTimeout as exc:
        return "hang", str(exc)
    except AssertionError as exc:
        return "fail", f"{exc}"
    except Exception:                                       # noqa: BLE001 - reported as a crash
        return "crash", traceback.format_exc(limit=6)


def _serve(conn, fns, seconds):
    import faulthandler
    faulthandler.disable()              # a crash is reported by the parent, not dumped here
    limit = _vm_bytes() + MEMORY_BYTES
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        out = []
        for name, args in batch:
            status, detail = _one(fns, name, args, seconds)
            out.append((status, detail))
            if status != "ok":
                break
        conn.send(out)


class Sandbox:
    """``per_item`` seconds per example inside the worker (SIGALRM), ``deadline`` per
    batch in the parent (kills a worker stuck in C code)."""

    def __init__(self, fns, per_item=10.0, deadline=60.0):
        self.fns, self.per_item, self.deadline = fns, per_item, deadline
        self.ctx = mp.get_context("fork")
        self.proc = None
        self.count = 0

    def _start(self):
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_serve, args=(child, self.fns, self.per_item),
                                     daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent

    def run(self, batch):
        """[(status, detail)] for a batch of (name, args); status in ok, fail, crash, hang.

        Stops at the first example that is not ok (its entry is the last one)."""
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.count += len(batch)
        self.conn.send(batch)
        if not self.conn.poll(self.deadline):
            self.close()
            return [("hang", f"no answer for the batch within {self.deadline} s")]
        try:
            return self.conn.recv()
        except EOFError:
            code = self.proc.exitcode
            self.close()
            return [("crash", f"worker died (exit code {code})")]

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
            self.proc = None
