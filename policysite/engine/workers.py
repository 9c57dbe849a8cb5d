"""Work out the results of many app files in worker processes, one per core, in order, when there are enough.

Each worker also writes the files of the results it works out into the tree being built (through the publisher it
was forked with) and sends back only their manifest entries: the build's own process never copies an app's files.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from pathlib import Path

from policysite.problems import ContentError, internal_problem
from policysite.sources import read
from policysite.stages import AppResult, SharedInputs, app_result

PARALLEL_MIN = 256   # app pages to make before worker processes pay for their start and for sending results back
_PR_SET_PDEATHSIG = 1   # prctl option: a signal for this process when its parent dies


def results(root: Path, shared: SharedInputs, versions: dict, work: list[tuple[str, bytes | None]], publisher=None):
    """Yield (AppResult, what publisher.placed() says of its files, or None without a publisher) for each
    (src_path, bytes or None: read it) of work, in order.

    Close the generator before the publisher cleans up after a failure: closing stops the workers, and none may
    still be writing while the tree they write into is put aside."""
    global _context
    if publisher is not None:
        publisher.share()   # before the fork: every worker writes into the same tree
    _context = (root, shared, versions, publisher)   # forked workers inherit it: nothing big is sent to them
    pool = worker_pool(len(work) * len(shared.envs or (None,)))   # each app file makes a page per language
    try:
        yield from pool.imap(_work, work, chunksize=chunk_size(len(work))) if pool else map(_work, work)
    finally:
        _context = None
        if pool is not None:
            pool.terminate()
            pool.join()


_context: tuple | None = None


def _work(item: tuple[str, bytes | None]) -> tuple[AppResult, tuple | None]:
    """Work out one app's result and place its files (in a worker process, or in the build's own); a fault of the
    machine while writing (a full disk) stops the build."""
    publisher = _context[3]
    result, outputs = _result(item)
    return result, publisher.placed(outputs) if publisher is not None else None


def _result(item: tuple[str, bytes | None]) -> tuple[AppResult, dict[str, bytes]]:
    """Work out one app's result and its files."""
    root, shared, versions, _ = _context
    src_path, data = item
    problems: list = []
    if data is None:
        data = read.read_capped(root / src_path, src_path, problems)
        if data is None:
            return AppResult(tuple(problems)), {}
    try:
        return app_result(shared, src_path, data, versions.get(src_path))
    except ContentError as exc:   # a fault in a template, located on the template
        return AppResult(tuple(exc.problems)), {}
    except Exception as exc:  # noqa: BLE001 - one file's failure is that file's problem, never a traceback
        return AppResult((internal_problem(src_path, exc),)), {}


def worker_pool(jobs: int):
    """Return a pool of one forked worker process per core, or None when jobs are too few to pay for it (or the system cannot fork)."""
    cores = os.cpu_count() or 1
    if jobs < PARALLEL_MIN or cores < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork").Pool(cores, _quiet_worker, (os.getpid(),))


def chunk_size(jobs: int) -> int:
    """Return how many jobs to send a worker at once: about eight rounds per core, at most 32 jobs."""
    return max(1, min(32, jobs // (8 * (os.cpu_count() or 1))))


def _quiet_worker(parent: int) -> None:
    """Make a worker stop with the build, silently: Ctrl-C is the parent's to handle, and a killed parent takes it along."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # the pool's terminate() on the way out
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: a killed parent's workers end when they next ask for work
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(0)
