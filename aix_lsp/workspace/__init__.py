"""The workspace: folders, the indexing workers they share, file events, disk polling, retries, refusal rules
and cache folders; shared by every context source, hosted by none.

* ``workspace``: :class:`Workspace`, the folders and what keeps them current; ``cache_dir_for``, ``refusal``.
* ``folder``: one folder's index, tables, pending events and the steps that keep them current.
* ``pool``: the few worker threads every folder shares.
* ``tables``: what the workspace knows of the sources: the index factory and the tables they register.
* ``faults``: what went wrong below an index, sorted by what to do about it.
"""

from aix_lsp.workspace.workspace import Workspace, cache_dir_for, default_cache_dir, refusal

__all__ = ["Workspace", "cache_dir_for", "default_cache_dir", "refusal"]
