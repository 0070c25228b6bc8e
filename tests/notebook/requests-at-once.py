"""Sends execute requests to a kernel without waiting for their replies, as JupyterLab's Run All does, and prints
each request's reply status and stream output as one JSON list. nbclient cannot do this: it waits for each reply.

Used by tests/notebook/kernel-hooks.test.ts. Usage: requests-at-once.py KERNEL_NAME BATCHES_JSON, where
BATCHES_JSON is [{"stop_on_error": bool, "cells": [code, ...]}, ...]; batches run one after another, 0.5 s apart.
Prints [[{"status", "stdout", "stderr"} per cell] per batch].
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def run_batch(kc, stop_on_error, cells):
    ids = [kc.execute(code, stop_on_error=stop_on_error) for code in cells]
    out = {i: {"status": None, "stdout": "", "stderr": ""} for i in ids}
    idle = set()
    while idle != set(ids):  # the kernel publishes busy ... idle around each request
        msg = kc.get_iopub_msg(timeout=60)
        parent = msg["parent_header"].get("msg_id")
        if parent not in out:
            continue
        if msg["msg_type"] == "stream":
            out[parent][msg["content"]["name"]] += msg["content"]["text"]
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            idle.add(parent)
    while any(o["status"] is None for o in out.values()):
        reply = kc.get_shell_msg(timeout=60)
        parent = reply["parent_header"].get("msg_id")
        if parent in out:
            out[parent]["status"] = reply["content"]["status"]
    return [out[i] for i in ids]


def main():
    kernel_name, batches = sys.argv[1], json.loads(sys.argv[2])
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=60)
    try:
        results = []
        for batch in batches:
            results.append(run_batch(kc, batch["stop_on_error"], batch["cells"]))
            time.sleep(0.5)  # past tslab's 200 ms of aborting after a failure
        print(json.dumps(results))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
