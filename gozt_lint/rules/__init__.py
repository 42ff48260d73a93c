"""The rule families: one module per family, each rule registered with
:func:`gozt_lint.registry.rule`. The registry (in the core) loads a family's module by
name only when a run needs that family."""
