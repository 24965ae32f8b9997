"""aix-lsp: a language server serving aiXcoder-7B code completions."""

__version__ = "0.1.0"
