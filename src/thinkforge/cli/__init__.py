"""The ``thinkforge`` command line: one module per subcommand, each a thin layer over the library API.

Every module in this package that defines ``register(subparsers)`` is discovered and added; ``ORDER``
(an int, default 100) places it in ``--help``. A subcommand's handler is ``args.func(args) -> int``.
"""
