"""The aatd release (single source of truth; pyproject reads it)."""

__version__ = "0.2.0"
