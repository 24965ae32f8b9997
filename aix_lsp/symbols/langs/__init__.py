"""Definitions and imports of one language per module (Java, Go); extract.py dispatches to ``extract(root, lines, path, out)``."""
