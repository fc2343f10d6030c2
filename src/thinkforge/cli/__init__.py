"""The ``thinkforge`` command line: one module per subcommand, each a thin layer over the library API.

Every module in this package that defines ``register(subparsers)`` is discovered and added; ``ORDER``
(an int, default 100) places it in ``--help``; an ``ORDER`` from 10 to 39 marks a pipeline stage, named in
order in the ``thinkforge --help`` tagline (tasks 10, generate 20, grade 30; curate, train, evaluate go between
31 and 39). A subcommand's handler is ``args.func(args) -> int``; ``-v`` is added to every subcommand, and a
subcommand that sets the default ``extra_args="NAME"`` receives leftover positionals in the list ``args.NAME``.
"""
