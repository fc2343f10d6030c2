"""Starts the sandbox fork-server: ``python -I .../sandbox/_server_start.py CONFIG_JSON`` (standard library only).

The server's code (``_server.py``, and ``_linux.py`` beside it) is loaded as modules, from their cached bytecode,
without importing thinkforge. Run as a script, the server would be compiled from source at every start, and the
compiler's scratch memory (~4 MB) would stay in the process: every fork copies the page tables of what the server
holds and every exit tears them down again, so a small server makes every execution cheaper.
"""

import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
#: Module names the server's code is loaded under (``_server.py`` finds its sibling by this name).
LINUX_MODULE = "_thinkforge_sandbox_linux"
SERVER_MODULE = "_thinkforge_sandbox_server"


def _load(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(_HERE, filename))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    _load(LINUX_MODULE, "_linux.py")
    _load(SERVER_MODULE, "_server.py").main()
