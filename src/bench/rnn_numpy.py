"""numpy peer of `npm run bench`: the same vanilla tanh RNN forward + full BPTT as src/rnn/vanilla.ts.

Reads a JSON job on stdin: {"dir": tmpdir, "cases": [{"id", "I", "H", "O", "T", "warmup", "reps"}],
"batch": {...} | null}. Each case's inputs are raw little-endian float64 in <dir>/<id>.in:
Wxh (H×I), Whh (H×H), bh (H), Why (O×H), by (O), X (T×I), DY (T×O) [batch: X (T×B×I), targets (T×B×O)].
Writes the gradients (dWxh, dWhh, dbh, dWhy, dby) to <dir>/<id>.<impl>.out and prints one JSON report.

"plain" is the textbook loop (min-char-rnn style: per-step mat-vecs and outer products), "hoisted" moves
every product that is not in the recurrence out of the loop, as our TypeScript does.
"""
import ctypes
import json
import os
import platform
import sys
import time

import numpy as np


def read_case(c, d):
    a = np.fromfile(os.path.join(d, c["id"] + ".in"), dtype="<f8")
    I, H, O, T = c["I"], c["H"], c["O"], c["T"]
    B = c.get("B")
    shapes = [(H, I), (H, H), (H,), (O, H), (O,)]
    shapes += [(T, B, I), (T, B, O)] if B else [(T, I), (T, O)]
    out, k = [], 0
    for s in shapes:
        n = int(np.prod(s))
        out.append(a[k:k + n].reshape(s))
        k += n
    return out


def plain(Wxh, Whh, bh, Why, by, X, DY):
    T, H = X.shape[0], Whh.shape[0]
    hs = np.zeros((T + 1, H))
    ys = np.zeros((T, Why.shape[0]))
    for t in range(T):
        hs[t + 1] = np.tanh(Wxh @ X[t] + Whh @ hs[t] + bh)
        ys[t] = Why @ hs[t + 1] + by
    dWxh, dWhh, dbh = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(bh)
    dWhy, dby = np.zeros_like(Why), np.zeros_like(by)
    dh_next = np.zeros(H)
    for t in reversed(range(T)):
        dh = Why.T @ DY[t] + dh_next
        dz = dh * (1 - hs[t + 1] ** 2)
        dWhh += np.outer(dz, hs[t])
        dWxh += np.outer(dz, X[t])
        dbh += dz
        dWhy += np.outer(DY[t], hs[t + 1])
        dby += DY[t]
        dh_next = Whh.T @ dz
    return dWxh, dWhh, dbh, dWhy, dby


def hoisted(Wxh, Whh, bh, Why, by, X, DY):
    T, H = X.shape[0], Whh.shape[0]
    hs = np.zeros((T + 1, H))
    Z = X @ Wxh.T + bh
    for t in range(T):
        hs[t + 1] = np.tanh(Z[t] + Whh @ hs[t])
    ys = hs[1:] @ Why.T + by  # noqa: F841 (computed as part of the forward pass)
    DH = DY @ Why
    DZ = np.empty((T, H))
    WhhT = np.ascontiguousarray(Whh.T)
    dh_next = np.zeros(H)
    for t in reversed(range(T)):
        dz = (DH[t] + dh_next) * (1 - hs[t + 1] ** 2)
        DZ[t] = dz
        dh_next = WhhT @ dz
    return DZ.T @ X, DZ.T @ hs[:-1], DZ.sum(0), DY.T @ hs[1:], DY.sum(0)


def batch_step(params, X, targets, lr, clip):
    """One minibatch step: forward, squared-error ∂L/∂y = y − target, full BPTT, clip the global norm, SGD."""
    Wxh, Whh, bh, Why, by = params
    T, B, _ = X.shape
    H = Whh.shape[0]
    Hs = np.zeros((T + 1, B, H))
    Ys = np.empty((T, B, Why.shape[0]))
    for t in range(T):
        Hs[t + 1] = np.tanh(X[t] @ Wxh.T + Hs[t] @ Whh.T + bh)
        Ys[t] = Hs[t + 1] @ Why.T + by
    DY = Ys - targets
    g = [np.zeros_like(p) for p in params]
    dWxh, dWhh, dbh, dWhy, dby = g
    dh_next = np.zeros((B, H))
    for t in reversed(range(T)):
        dh = DY[t] @ Why + dh_next
        dz = dh * (1 - Hs[t + 1] ** 2)
        dWhh += dz.T @ Hs[t]
        dWxh += dz.T @ X[t]
        dbh += dz.sum(0)
        dWhy += DY[t].T @ Hs[t + 1]
        dby += DY[t].sum(0)
        dh_next = dz @ Whh
    norm = np.sqrt(sum(float(np.sum(x * x)) for x in g))
    scale = clip / norm if norm > clip else 1.0
    for p, x in zip(params, g):
        p -= (lr * scale) * x
    return g


def time_it(f, warmup, reps):
    for _ in range(warmup):
        f()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append((time.perf_counter() - t0) * 1e3)
    return ts


def blas_info():
    info = {"python": sys.executable, "python_version": platform.python_version(), "numpy": np.__version__}
    try:
        cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = "%s %s" % (cfg.get("name"), cfg.get("version"))
    except Exception:  # numpy < 2 has no dict mode
        info["blas"] = "unknown (numpy %s)" % np.__version__
    # The kernel OpenBLAS picked at run time (the point of unsetting OPENBLAS_CORETYPE).
    try:
        libs = set()
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if "blas" in p.lower() and p.endswith(tuple([".so", ".so.0", ".so.3"])) or ("openblas" in p.lower()):
                    libs.add(p)
        info["blas_libs"] = sorted(libs)
        for p in libs:
            lib = ctypes.CDLL(p)
            for sym in ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"):
                if hasattr(lib, sym):
                    fn = getattr(lib, sym)
                    fn.restype = ctypes.c_char_p
                    info["openblas_core"] = fn().decode()
                    break
            for sym in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads"):
                if hasattr(lib, sym):
                    info["openblas_threads"] = getattr(lib, sym)()
                    break
    except Exception as e:  # informational only
        info["blas_probe_error"] = str(e)
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    return info


def main():
    job = json.load(sys.stdin)
    d = job["dir"]
    report = {"info": blas_info(), "cases": {}}
    for c in job["cases"]:
        arrs = read_case(c, d)
        r = {}
        for name, f in (("plain", plain), ("hoisted", hoisted)):
            g = f(*arrs)
            np.concatenate([x.ravel() for x in g]).astype("<f8").tofile(os.path.join(d, "%s.%s.out" % (c["id"], name)))
            r[name] = time_it(lambda: f(*arrs), c["warmup"], c["reps"])
        report["cases"][c["id"]] = r
    b = job.get("batch")
    if b:
        arrs = read_case(b, d)
        params0, X, targets = arrs[:5], arrs[5], arrs[6]
        g = batch_step([p.copy() for p in params0], X, targets, b["lr"], b["clip"])
        np.concatenate([x.ravel() for x in g]).astype("<f8").tofile(os.path.join(d, b["id"] + ".batch.out"))
        work = [p.copy() for p in params0]
        report["batch"] = time_it(lambda: batch_step(work, X, targets, b["lr"], b["clip"]), b["warmup"], b["reps"])
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
