import sys

from judging.cli import main

sys.exit(main())
