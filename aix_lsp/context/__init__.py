"""Cross-file context: one fragment type (``fragment``) that every context source returns."""

from aix_lsp.context.fragment import Fragment, fit_budget

__all__ = ["Fragment", "fit_budget"]
