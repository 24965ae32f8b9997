"""A small stock-keeping package: the Python half of the aix-lsp example project."""
