"""The gozt-lint language server (installed as ``gozt_lint.lsp``)."""
