import sys

from supplylake.cli.main import main

sys.exit(main())
