"""The build engine: the recipe over the stages, the memo, the nothing-changed check."""
