import sys

from yuqing.app.cli import main

sys.exit(main())
