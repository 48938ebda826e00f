"""dodnews: archive the U.S. Department of Defense / War newsroom and show what changed."""

__version__ = "0.1.0"
