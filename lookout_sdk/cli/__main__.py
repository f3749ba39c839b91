"""``python -m lookout_sdk.cli``."""

from lookout_sdk.cli import main

main()
