"""The preview server: watch, rebuild, reload."""
