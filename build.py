"""Build this repository's own blog: `python build.py [command] [options]` (see --help)."""

import sys

from mathpress.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
