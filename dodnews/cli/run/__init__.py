"""What each `dodnews` subcommand does, one module per subcommand of dodnews.cli.commands.

A module here is imported only when its command runs (see `dodnews.cli.commands.Runner`), so it
imports what it needs at module level, however heavy.
"""
