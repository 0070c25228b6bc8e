"""JAX peer of `npm run bench`: the same vanilla tanh RNN forward + full BPTT as src/rnn/vanilla.ts and the
numpy peer (./rnn_numpy.py), written as an ML engineer would write it in JAX: float64 enabled, the recurrence
as `lax.scan`, the gradient by `jax.grad`, the whole pass compiled by `jax.jit`.

One sequence: L = Σ_t ⟨y_t, ȳ_t⟩, so that ∂L/∂y_t = ȳ_t (the given DY) and jax.grad(L) is exactly the BPTT our
rnnBackward computes from the same ȳ_t. Minibatch: L = ½ Σ ‖Y − targets‖², so ∂L/∂Y = Y − targets, then the
global-norm clip and SGD of rnn_numpy.batch_step, the whole step one jitted function.

The input projection X Wxhᵀ and the outputs H Whyᵀ are single products outside the scan (as in our kernels and
the numpy "hoisted" loop); XLA differentiates through them and the scan.

Reads the same JSON job on stdin as rnn_numpy.py and the same <dir>/<id>.in files; writes the gradients
(dWxh, dWhh, dbh, dWhy, dby) to <dir>/<id>.jax.out (<dir>/batch.jaxbatch.out for the minibatch) and prints one
JSON report: per case the compile time (ms, apart) and the timed runs (ms, compiled, results ready).
"""
import json
import os
import platform
import sys
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402 (after enabling float64)
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rnn_numpy import read_case, time_it  # noqa: E402


def hidden_states(Wxh, Whh, bh, X):
    """h_1..h_T from h_0 = 0: z_t = Wxh x_t + Whh h_{t−1} + bh, h_t = tanh(z_t). X is T×I or T×B×I."""

    def step(h, z_in):
        h = jnp.tanh(z_in + h @ Whh.T)
        return h, h

    Z = X @ Wxh.T + bh
    _, hs = lax.scan(step, jnp.zeros(Z.shape[1:], X.dtype), Z)
    return hs


def outputs(params, X):
    Wxh, Whh, bh, Why, by = params
    return hidden_states(Wxh, Whh, bh, X) @ Why.T + by


def loss_given_dy(params, X, DY):
    """L = Σ_t ⟨y_t, ȳ_t⟩: its gradient is the BPTT of the given ∂L/∂y_t = ȳ_t."""
    return jnp.sum(outputs(params, X) * DY)


sequence_grads = jax.jit(jax.grad(loss_given_dy))


def squared_error(params, X, targets):
    return 0.5 * jnp.sum((outputs(params, X) - targets) ** 2)


@jax.jit
def batch_step(params, X, targets, lr, clip):
    """One minibatch step as rnn_numpy.batch_step: gradients, clip their global norm, SGD; (new params, grads)."""
    grads = jax.grad(squared_error)(params, X, targets)
    norm = jnp.sqrt(sum(jnp.sum(g * g) for g in grads))
    scale = jnp.where(norm > clip, clip / norm, 1.0)
    return tuple(p - (lr * scale) * g for p, g in zip(params, grads)), grads


def compiled(f, *args):
    """f lowered and compiled for these arguments' shapes, and the ms that took (kept apart from the timings)."""
    t0 = time.perf_counter()
    c = f.lower(*args).compile()
    return c, (time.perf_counter() - t0) * 1e3


def write(grads, path):
    np.concatenate([np.asarray(g).ravel() for g in grads]).astype("<f8").tofile(path)


def main():
    job = json.load(sys.stdin)
    d = job["dir"]
    report = {
        "info": {
            "jax": jax.__version__,
            "python": sys.executable,
            "python_version": platform.python_version(),
            "devices": [str(x) for x in jax.devices()],
            "x64": bool(jax.config.jax_enable_x64),
        },
        "cases": {},
    }
    for c in job["cases"]:
        arrs = [jnp.asarray(a) for a in read_case(c, d)]
        params, X, DY = tuple(arrs[:5]), arrs[5], arrs[6]
        f, compile_ms = compiled(sequence_grads, params, X, DY)
        write(f(params, X, DY), os.path.join(d, c["id"] + ".jax.out"))
        run = lambda: jax.block_until_ready(f(params, X, DY))  # noqa: E731
        report["cases"][c["id"]] = {"compile_ms": compile_ms, "ms": time_it(run, c["warmup"], c["reps"])}
    b = job.get("batch")
    if b:
        arrs = [jnp.asarray(a) for a in read_case(b, d)]
        params0, X, targets = tuple(arrs[:5]), arrs[5], arrs[6]
        lr, clip = jnp.float64(b["lr"]), jnp.float64(b["clip"])
        f, compile_ms = compiled(batch_step, params0, X, targets, lr, clip)
        write(f(params0, X, targets, lr, clip)[1], os.path.join(d, b["id"] + ".jaxbatch.out"))
        state = {"p": params0}

        def step():
            state["p"], g = f(state["p"], X, targets, lr, clip)
            jax.block_until_ready(g)

        report["batch"] = {"compile_ms": compile_ms, "ms": time_it(step, b["warmup"], b["reps"])}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
