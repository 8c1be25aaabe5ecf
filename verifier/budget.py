"""Wall-clock budgets for checker steps (Z3, SymPy, kernel, search).

``with limit(seconds, what):`` raises ``StepTimeout`` when the block runs longer,
building the query included.  It uses ``SIGALRM`` (Unix, main thread); Python
code such as SymPy and the kernel is interrupted at once, a Z3 call when it
returns (Z3 has its own timeout as well).  Where no alarm can be set (another
thread, or an outer budget is already running) the block runs under the outer
budget, or under the input bounds alone (the parser's expansion bounds and the
kernel's work bound hold everywhere).
"""
from __future__ import annotations

import contextlib
import signal
import threading


class StepTimeout(Exception):
    """A step ran past its wall-clock budget."""


@contextlib.contextmanager
def limit(seconds, what):
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise StepTimeout(f"{what} took longer than its budget of {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
