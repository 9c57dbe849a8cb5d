"""Content: what checked data means (Markdown, history, the plain-language comparison of policies)."""
