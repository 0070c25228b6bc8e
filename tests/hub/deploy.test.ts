// Past one machine: the single-user image and the Zero to JupyterHub values cannot be built or deployed here (no
// container engine or registry), so what can be checked is checked: the image is made by the project's own setup
// script, and the values file is valid YAML naming the image, its start command and the culler.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { PROJECT_PYTHON, PROJECT_ROOT } from "../../src/notebook/execute";

const HUB = path.join(PROJECT_ROOT, "src/hub");
const dockerfile = readFileSync(path.join(HUB, "Dockerfile"), "utf8");
/** Dockerfile instructions (continuation lines joined, comments dropped). */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((l) => l.trim() && !l.trim().startsWith("#"))
  .map((l) => {
    const [keyword, ...rest] = l.trim().split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
  });

describe("the single-user image (src/hub/Dockerfile)", () => {
  test("is Debian 12 with Node 20, set up by src/setup/setup.sh, as npm test is", () => {
    expect(instructions[0]).toEqual({ keyword: "FROM", args: "node:20-bookworm" });
    expect(instructions.filter((i) => i.keyword === "RUN").map((i) => i.args).join(" ")).toMatch(/^bash src\/setup\/setup\.sh( |$)/);
    expect(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).toMatch(/"test": "bash src\/setup\/setup\.sh --quiet &&/);
  });

  test("starts the students' server script, which exists in the image's copy of the checkout, as a non-root user", () => {
    const cmd = JSON.parse(instructions.find((i) => i.keyword === "CMD")!.args) as string[];
    expect(cmd).toEqual(["/opt/exploding-gradients/src/hub/singleuser.sh"]);
    expect(existsSync(path.join(PROJECT_ROOT, cmd[0].replace("/opt/exploding-gradients/", "")))).toBe(true);
    expect(instructions.find((i) => i.keyword === "USER")?.args).toBe("1000");
  });

  test("copies none of what setup builds, students' work or the hub's secrets", () => {
    const ignored = readFileSync(path.join(HUB, "Dockerfile.dockerignore"), "utf8").split("\n").map((l) => l.trim());
    for (const entry of ["node_modules", ".venv", "workspace", ".hub", ".git"]) expect(ignored, entry).toContain(entry);
  });
});

describe("the Zero to JupyterHub values (src/hub/z2jh-values.yaml)", () => {
  const script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
  const parsed = spawnSync(PROJECT_PYTHON, ["-c", script, path.join(HUB, "z2jh-values.yaml")], { encoding: "utf8" });
  test("is valid YAML naming the image, its command, a memory limit and the culler", () => {
    expect(parsed.stderr).toBe("");
    const values = JSON.parse(parsed.stdout) as {
      singleuser: { image: { name: string; tag: string }; cmd: string; memory: { limit: string }; extraEnv: Record<string, string> };
      cull: { enabled: boolean; timeout: number };
    };
    expect(values.singleuser.image.name).toMatch(/exploding-gradients-singleuser$/);
    expect(values.singleuser.image.tag).toMatch(/\S/);
    expect(values.singleuser.cmd).toBe(JSON.parse(instructions.find((i) => i.keyword === "CMD")!.args)[0]);
    expect(values.singleuser.extraEnv.EXPLODING_GRADIENTS_ROOT).toBe("/opt/exploding-gradients");
    expect(values.singleuser.memory.limit).toMatch(/^\d+(\.\d+)?[MG]$/);
    expect(values.cull).toMatchObject({ enabled: true });
    expect(values.cull.timeout).toBeGreaterThanOrEqual(600);
  });
});
