"""`aix-lsp serve` with a clock the test moves: the stats' retention checkpoints (30 s, 120 s) come due when
the client runs the extra command ``test.advanceClock`` SECONDS, without waiting. Optionally under a file-size
limit (``--fsize BYTES``, RLIMIT_FSIZE), which makes the stats store's writes fail as on a full disk."""

from __future__ import annotations

import sys
import time

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--fsize":
        import resource

        limit = int(sys.argv[2])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    from aix_lsp import server as srv
    from aix_lsp.cli import main

    offset = [0.0]
    create = srv.create_server

    def create_server(settings=None):
        server = create(settings)
        server.session.stats.clock = lambda: time.monotonic() + offset[0]

        @server.command("test.advanceClock")
        def advance(ls, *args):
            offset[0] += float(args[0])
            return offset[0]

        return server

    srv.create_server = create_server
    sys.exit(main(["serve"]))
