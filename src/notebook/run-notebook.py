"""Execute one notebook in a fresh kernel, cell by cell, through nbclient (the engine behind nbconvert).

Called by src/notebook/execute.ts; not meant for direct use. Errors are allowed (tslab reports them only as
stderr text), so every cell runs and the caller judges the outputs. Progress goes to stdout as JSON lines:
  {"event": "kernel", "pid": int, "seconds": float}
  {"event": "cell", "index": int, "phase": "start"|"done", "seconds": float}
  {"event": "stopped", "index": int, "reason": "timeout"|"kernel-died", "message": str}
  {"event": "done", "notebook": {...}}            (always last when the kernel started)
Usage: run-notebook.py NOTEBOOK ROOT KERNEL_NAME TIMEOUT_SEC
"""
import json
import os
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError


def emit(**event):
    print(json.dumps(event), flush=True)


def failed(cell):
    return any(o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")
               for o in cell.get("outputs", []))


def main():
    path, root, kernel_name, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    deadline = time.monotonic() + timeout
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel_name, allow_errors=True, startup_timeout=max(1, int(timeout)),
                            resources={"metadata": {"path": root}})

    def on_term(signum, frame):  # the caller's backstop: do not leave the kernel running
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        if pid:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    with client.setup_kernel():
        emit(event="kernel", pid=getattr(client.km.provisioner, "pid", None), seconds=time.monotonic() - started)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                emit(event="stopped", index=index, reason="timeout", message=f"notebook timeout of {timeout:g} s reached")
                break
            client.timeout = max(1, int(remaining))
            emit(event="cell", index=index, phase="start", seconds=0)
            t0 = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                emit(event="stopped", index=index, reason="timeout",
                     message=f"cell still running when the notebook timeout of {timeout:g} s was reached")
                break
            except DeadKernelError as e:
                emit(event="stopped", index=index, reason="kernel-died", message=str(e) or "kernel died")
                break
            emit(event="cell", index=index, phase="done", seconds=time.monotonic() - t0)
            if failed(cell):
                # After an error tslab aborts every request that arrives within 200 ms (tslab issue #19);
                # wait that out so the following cells run and report their own output.
                time.sleep(0.25)
    emit(event="done", notebook=nb)


if __name__ == "__main__":
    main()
