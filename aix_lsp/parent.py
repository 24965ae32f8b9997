"""Exit with the client: the LSP spec asks a server to exit when the process named by
``initialize.processId`` dies, even if the pipe stays open (a child of the editor may still hold it)."""

from __future__ import annotations

import logging
import os
import select
import threading
from typing import Callable

log = logging.getLogger(__name__)

POLL_S = 2.0  # where pidfd is unavailable
_STARTED_BY = os.getppid()  # the process that started us, read before it can die and reparent us


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True


def watch_parent(pid: int, on_exit: Callable[[], None]) -> threading.Thread | None:
    """Call ``on_exit`` (on a daemon thread) once process ``pid`` has exited.

    A pid that does not exist at start is not watched: clients in another PID namespace (containers,
    remote set-ups) send pids we cannot see, and exiting at once would break them."""
    if pid <= 0 or pid == os.getpid():
        return None
    if not process_alive(pid):
        if pid == _STARTED_BY:  # our own parent, already gone
            on_exit()
            return None
        log.info("client process %s not visible from here; not watched", pid)
        return None
    thread = threading.Thread(target=_wait_then, args=(pid, on_exit), name="aix-parent-watch", daemon=True)
    thread.start()
    return thread


def _wait_then(pid: int, on_exit: Callable[[], None]) -> None:
    _wait_for_exit(pid)
    on_exit()


def _wait_for_exit(pid: int) -> None:
    fd = None
    if hasattr(os, "pidfd_open"):
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            fd = None
    if fd is not None:
        try:
            select.select([fd], [], [])  # readable once the process has exited: no polling
        finally:
            os.close(fd)
        return
    stop = threading.Event()
    while process_alive(pid):
        stop.wait(POLL_S)
