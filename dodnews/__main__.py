import sys

from dodnews.cli.main import main

sys.exit(main())
