"""Checking: the JSON Schemas and the rules an app file, the legend and the documents must follow."""
