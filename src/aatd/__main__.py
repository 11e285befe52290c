"""``python -m aatd``."""

from aatd.cli import main

main()
