"""Bytes to located trees: reading files of the checkout (never through a link) and its git history."""
