"""Tools beside the build: the new-app scaffold and the feed schema compatibility guard."""
