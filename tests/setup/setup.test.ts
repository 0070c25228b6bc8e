// The set-up scripts as a newcomer meets them: the Python environment, the kernelspec, npm start's options,
// and what happens when PyPI cannot be reached.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { PROJECT_PYTHON, PROJECT_ROOT } from "../../src/notebook/index";

const VENV_SH = path.join(PROJECT_ROOT, "src/setup/python/venv.sh");
const START_SH = path.join(PROJECT_ROOT, "src/setup/start.sh");

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 120_000) {
  const r = spawnSync(cmd, args, { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the Python environment", () => {
  test("setup made .venv from the lock: JupyterLab 4, Notebook 7, nbclient and numpy at the locked versions", () => {
    const lock = readFileSync(path.join(PROJECT_ROOT, "src/setup/python/requirements.lock"), "utf8");
    const pinned = (name: string) => new RegExp(`^${name}==(\\S+) \\\\$`, "m").exec(lock)?.[1];
    const probe = run(PROJECT_PYTHON, [
      "-c",
      "import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in ['jupyterlab', 'notebook', 'nbclient', 'numpy']}))",
    ]);
    expect(probe.stderr).toBe("");
    const versions = JSON.parse(probe.stdout) as Record<string, string>;
    expect(versions.jupyterlab).toMatch(/^4\./);
    expect(versions.notebook).toMatch(/^7\./);
    for (const name of ["jupyterlab", "notebook", "nbclient", "numpy"]) expect(versions[name], name).toBe(pinned(name));
    // Every requirement in the lock carries at least one hash (pip --require-hashes would refuse it otherwise).
    const entries = lock.split(/\n(?=[a-z0-9])/i).filter((e) => /^[a-z0-9][^ ]*==/i.test(e));
    expect(entries.length).toBeGreaterThan(50);
    for (const e of entries) expect(e, e.split(" ")[0]).toMatch(/--hash=sha256:[0-9a-f]{64}/);
  });

  test("the project kernel is found by .venv's Jupyter and in the user's kernels (VS Code)", () => {
    const list = run(path.join(PROJECT_ROOT, ".venv/bin/jupyter"), ["kernelspec", "list", "--json"]);
    const specs = (JSON.parse(list.stdout) as { kernelspecs: Record<string, { resource_dir: string; spec: { display_name: string } }> }).kernelspecs;
    expect(specs["exploding-gradients"]?.spec.display_name).toBe("TypeScript (exploding-gradients)");
    expect(specs["exploding-gradients"].resource_dir.startsWith(path.join(PROJECT_ROOT, ".venv"))).toBe(true);
    const userDir = process.env.JUPYTER_DATA_DIR ?? path.join(process.env.XDG_DATA_HOME ?? path.join(homedir(), ".local/share"), "jupyter");
    expect(existsSync(path.join(userDir, "kernels/exploding-gradients/kernel.json"))).toBe(true);
  });

  test("setup run again with everything in place prints nothing with --quiet", () => {
    const setup = () => run("bash", [path.join(PROJECT_ROOT, "src/setup/setup.sh"), "--quiet"]);
    expect(setup().status).toBe(0); // brings anything edited since the last run up to date
    const r = setup();
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toBe("");
  });

  describe("when PyPI cannot be reached", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "eg-venv-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    // A lock the environment does not match yet, and a pip that can reach no index (nor the machine's wheels).
    const lock = path.join(dir, "requirements.lock");
    writeFileSync(lock, `six==1.17.0 \\\n    --hash=sha256:${"0".repeat(64)}\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, PIP_INDEX_URL: "http://127.0.0.1:9/simple", PIP_RETRIES: "0", PIP_TIMEOUT: "5", PIP_CONFIG_FILE: "/dev/null" };
    delete env.PIP_FIND_LINKS;

    test("a first install names the package, says what to run and leaves no half-made environment", () => {
      const venv = path.join(dir, "fresh");
      const r = run("bash", [VENV_SH, "--venv", venv, "--lock", lock], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/six/);
      expect(r.stderr).toMatch(/npm run setup/);
      expect(existsSync(venv)).toBe(false);
    }, 120_000);

    test("an update leaves the previous environment usable and unchanged", () => {
      const venv = path.join(dir, "previous");
      expect(run("/usr/bin/python3", ["-m", "venv", venv]).status).toBe(0);
      writeFileSync(path.join(venv, ".exploding-gradients-lock"), "an older lock\n");
      const r = run("bash", [VENV_SH, "--venv", venv, "--lock", lock], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/six/);
      expect(r.stderr).toMatch(/previous environment .* unchanged and still usable/);
      expect(readFileSync(path.join(venv, ".exploding-gradients-lock"), "utf8")).toBe("an older lock\n");
      expect(run(path.join(venv, "bin/python"), ["-c", "print(6 * 7)"]).stdout.trim()).toBe("42");
    }, 120_000);
  });
});

describe("npm start's options", () => {
  test("an unknown option prints the usage and exits 2 before anything is set up or started", () => {
    const r = run("bash", [START_SH, "--lab-please"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--lab-please'/);
    expect(r.stderr).toMatch(/--notebook/);
    expect(r.stdout).toBe("");
  });

  test("--help prints the usage and exits 0", () => {
    const r = run("bash", [START_SH, "--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/JupyterLab 4/);
    expect(r.stdout).toMatch(/JUPYTER_PORT/);
  });

  test("a JUPYTER_PORT that is not a port is refused with exit 2", () => {
    const badPort = run("bash", [START_SH], { ...process.env, JUPYTER_PORT: "88a" });
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/JUPYTER_PORT must be a port number from 1 to 65535, got '88a'/);
  });

  test("a port in use is named, with the variable to pick another", async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const address = busy.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const r = run("bash", [START_SH], { ...process.env, JUPYTER_PORT: String(port) });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(r.stderr).toMatch(/JUPYTER_PORT=\d+ npm start/);
    } finally {
      busy.close();
    }
  });
});
