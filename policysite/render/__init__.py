"""Rendering: pages, the JSON feed and its compressed forms, made in memory from the model."""
