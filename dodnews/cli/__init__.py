"""The `dodnews` command: main and one module per subcommand."""

from dodnews.cli.main import main

__all__ = ["main"]
