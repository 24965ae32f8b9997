from aix_lsp.cli import main

raise SystemExit(main())
