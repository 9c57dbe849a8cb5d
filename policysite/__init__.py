"""policysite: turn content/ (YAML and Markdown) into the ClearOS support-policy site and feed.

The package's folders follow the data flow (README "Layout"; tests/test_layers.py keeps imports pointing down):
sources (files -> located YAML trees) -> check (schema and rules -> problems) -> content (the model)
-> render (pages and feed, in memory) -> stages (one app file's result) -> publish (atomic swap),
driven by engine/recipe.py for build, check and serve.
"""

__version__ = "0.1.0"
