"""`python -m server <rasa arguments>`: Rasa's command line with our fixes installed."""
from __future__ import annotations

import sys

from server import action_results, conversation_store, limits


def main() -> None:
    action_results.install()
    limits.install()
    conversation_store.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
