import sys

from dodnews.cli import main

sys.exit(main())
