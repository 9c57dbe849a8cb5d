"""policysite: turn content/ (YAML and Markdown) into the ClearOS support-policy site and feed.

The package follows the data flow, one module per stage:
read (files -> located YAML trees) -> check (schema and rules -> problems)
-> model (frozen dataclasses) -> render (pages and feed, in memory) -> write (atomic swap).
"""

__version__ = "0.1.0"
