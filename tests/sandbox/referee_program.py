"""A minimal referee program and its echo program, for the referee tests (root and unprivileged paths).

Standard library + ``thinkforge.sandbox`` only: ``nonroot_runner.py`` imports it under the system interpreter.
"""

from __future__ import annotations

from thinkforge.sandbox import Referee

# A minimal referee: per job, sends the job text to the program (fd 4), reads one answer line (fd 5, until EOF),
# and reports its own pid, uid and that answer. Job text "die" ends it; "hang" never reports.
REFEREE = Referee(source='''
import json, os, socket, struct, time
sock = socket.socket(fileno=3)
while True:
    head, fds, _flags, _addr = socket.recv_fds(sock, 12, 2)
    if not head:
        break
    while len(head) < 12:
        head += sock.recv(12 - len(head))
    size, job = struct.unpack(">IQ", head)
    body = b""
    while len(body) < size:
        body += sock.recv(size - len(body))
    if body == b"die":
        os._exit(3)
    if body == b"hang":
        time.sleep(3600)
    to_program, from_program = fds
    try:
        os.write(to_program, body + b"\\n")
    except OSError:
        pass
    answer = b""
    while not answer.endswith(b"\\n"):
        chunk = os.read(from_program, 4096)
        if not chunk:
            break
        answer += chunk
    os.close(to_program)
    os.close(from_program)
    report = json.dumps({"pid": os.getpid(), "uid": os.getuid(), "answer": answer.decode(errors="replace")})
    sock.sendall(struct.pack(">IQ", len(report), job) + report.encode())
''', grace_s=1.0)

ECHO = "import os\nq = os.read(4, 1000)\nos.write(5, b'echo:' + q)\n"
