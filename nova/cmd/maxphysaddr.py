"""The ``nova-maxphysaddr`` console script (the commands: :mod:`nova.cli`)."""

import sys

from nova.cli import app


def main() -> int:
    return app.main()


if __name__ == '__main__':
    sys.exit(main())
