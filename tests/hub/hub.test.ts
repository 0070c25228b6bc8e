// The class server: JupyterHub started by src/hub/hub.sh as `npm run hub` starts it, with three students made for
// the test (real Unix users) and removed after it, whatever happens. Needs root, as the hub itself does.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchBrowser } from "../../src/export/browser";
import { PROJECT_ROOT } from "../../src/notebook/execute";
import type { NotebookJson } from "../../src/notebook/types";
import { freePort, openNotebook, runAllCells, watchPage } from "../setup/jupyter";

const HUB_SH = path.join(PROJECT_ROOT, "src/hub/hub.sh");
const suffix = randomBytes(3).toString("hex");
const [alice, bob, carol, teacher] = ["a", "b", "c", "t"].map((x) => `egt${suffix}${x}`);
const students = [alice, bob, carol];
const people = [...students, teacher];
const tmp = mkdtempSync(path.join(tmpdir(), "eg-hub-"));
const state = path.join(tmp, "state");
const adminToken = randomBytes(24).toString("hex");
let port = 0;
let base = "";
let hub: ChildProcess | undefined;
let hubLog = "";
const passwords: Record<string, string> = {};
const tokens: Record<string, string> = {};

const hubEnv = (): NodeJS.ProcessEnv => ({ ...process.env, HUB_PORT: String(port), HUB_STATE_DIR: state, HUB_ADMIN_TOKEN: adminToken });

function hubCommand(args: string[], env: NodeJS.ProcessEnv = hubEnv()) {
  const r = spawnSync("bash", [HUB_SH, ...args], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function api(pathname: string, token: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}${pathname}`, { ...init, headers: { Authorization: `token ${token}`, "Content-Type": "application/json" } });
}

async function startHub(): Promise<void> {
  hub = spawn("bash", [HUB_SH], { cwd: PROJECT_ROOT, env: hubEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const collect = (chunk: Buffer): void => {
    hubLog = (hubLog + chunk.toString()).slice(-200_000);
  };
  hub.stdout?.on("data", collect);
  hub.stderr?.on("data", collect);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (hub.exitCode !== null) throw new Error(`hub.sh exited with ${hub.exitCode}:\n${hubLog.slice(-5000)}`);
    try {
      if ((await api("/hub/api/users", adminToken)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the hub did not answer within 90 s:\n${hubLog.slice(-5000)}`);
}

async function stopHub(): Promise<void> {
  const child = hub;
  hub = undefined;
  if (child?.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid, "SIGTERM"); // JupyterHub stops the students' servers as it shuts down
  const timer = setTimeout(() => child.pid !== undefined && process.kill(-child.pid, "SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Starts a student's server with their own token and waits until it is ready; the error text if it fails. */
async function startServer(name: string): Promise<string | null> {
  const res = await api(`/hub/api/users/${name}/server`, tokens[name], { method: "POST" });
  if (![201, 202, 400].includes(res.status)) return `POST server: ${res.status} ${await res.text()}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const user = (await (await api(`/hub/api/users/${name}`, tokens[name])).json()) as { servers: Record<string, { ready: boolean }>; pending: string | null };
    if (user.servers[""]?.ready) return null;
    if (!user.servers[""] && !user.pending) return "the server stopped while starting";
    await new Promise((r) => setTimeout(r, 500));
  }
  return "not ready within 120 s";
}

/**
 * The students run this checkout's install, so every folder above it must let them through. A CI clone may sit in a
 * private temporary folder (mode 700): open the way (o+x, no reading) for the test, and close it again after.
 */
const reopened: { dir: string; mode: number }[] = [];
function openTheWay(): void {
  for (let dir = PROJECT_ROOT; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o001) === 0) {
      reopened.push({ dir, mode });
      chmodSync(dir, mode | 0o001);
    }
  }
}

function removeUsers(): void {
  for (const name of people) {
    for (let i = 0; i < 50 && spawnSync("pgrep", ["--uid", name]).status === 0; i++) {
      spawnSync("pkill", ["--signal", "KILL", "--uid", name]);
      spawnSync("sleep", ["0.1"]);
    }
    spawnSync("userdel", [name]);
    rmSync(path.join("/home", name), { recursive: true, force: true });
  }
}

describe("npm run hub: a class on one server", () => {
  beforeAll(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    openTheWay();
    const roster = path.join(tmp, "roster.txt");
    writeFileSync(roster, `# a test class\n${alice}\n${bob}\n${carol}   # the third student\n${teacher} instructor\n`);
    const added = hubCommand(["--add-students", roster]);
    if (added.status !== 0) throw new Error(`--add-students failed (${added.status}): ${added.stderr}`);
    const file = readdirSync(state).find((f) => f.startsWith("passwords-"))!;
    for (const line of readFileSync(path.join(state, file), "utf8").trim().split("\n")) {
      const [name, password] = line.split(" ");
      passwords[name] = password;
    }
    await startHub();
    // Each student logs in through the hub's API with their password, and gets a token for their own use.
    for (const name of people) {
      const res = await fetch(`${base}/hub/api/users/${name}/tokens`, {
        method: "POST",
        body: JSON.stringify({ auth: { username: name, password: passwords[name] }, note: "test login" }),
        headers: { "Content-Type": "application/json" },
      });
      if (res.status !== 201) throw new Error(`login of ${name}: ${res.status} ${await res.text()}`);
      tokens[name] = ((await res.json()) as { token: string }).token;
    }
  }, 180_000);

  afterAll(async () => {
    await stopHub().catch(() => undefined);
    removeUsers();
    for (const { dir, mode } of reopened) chmodSync(dir, mode);
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  test("the secrets are kept readable by root only: passwords, cookie secret, proxy token; homes are private", () => {
    const mode = (file: string) => spawnSync("stat", ["-c", "%a", file], { encoding: "utf8" }).stdout.trim();
    const secrets = readdirSync(state).filter((f) => /^(passwords-.*|cookie_secret|proxy_token)$/.test(f));
    expect(secrets).toHaveLength(3);
    expect(readFileSync(path.join(state, readdirSync(state).find((f) => f.startsWith("passwords-"))!), "utf8").trim().split("\n")).toHaveLength(4);
    for (const f of secrets) expect(mode(path.join(state, f)), f).toBe("600");
    expect(passwords[alice]).toMatch(/^\S{8,}$/);
    for (const name of students) expect(mode(path.join("/home", name)), name).toBe("700");
  });

  test("each student gets a server with their own workspace: the student edition of every tutorial", async () => {
    expect(await Promise.all([alice, bob].map(startServer))).toEqual([null, null]);
    for (const name of [alice, bob]) {
      const listing = (await (await api(`/user/${name}/api/contents/`, tokens[name])).json()) as { content: { name: string }[] };
      const names = listing.content.map((f) => f.name).filter((f) => f.endsWith(".ipynb"));
      expect(names.length, name).toBeGreaterThanOrEqual(9);
      const lab = (await (await api(`/user/${name}/api/contents/08-lab.ipynb`, tokens[name])).json()) as { content: NotebookJson };
      expect(lab.content.cells.filter((c) => c.metadata.tags?.includes("solution"))).toEqual([]);
    }
    // One shared install: the servers run this checkout's .venv, not a copy per user.
    const ps = spawnSync("ps", ["-o", "args=", "-u", alice], { encoding: "utf8" }).stdout;
    expect(ps).toContain(path.join(PROJECT_ROOT, ".venv/bin/"));
  }, 240_000);

  test("a student's token reaches neither another student's server or files nor the admin API", async () => {
    const statuses = {
      bobsFiles: (await api(`/user/${bob}/api/contents/`, tokens[alice])).status,
      userList: (await api(`/hub/api/users`, tokens[alice])).status,
      stopBob: (await api(`/hub/api/users/${bob}/server`, tokens[alice], { method: "DELETE" })).status,
    };
    // (for a user its token may not see, the hub answers 404 rather than confirm that the user exists)
    expect(statuses).toEqual({ bobsFiles: 403, userList: 403, stopBob: 404 });
    // The instructor is a hub admin: the same listing answers them.
    expect((await api(`/hub/api/users`, tokens[teacher])).status).toBe(200);
    // On disk too: alice's processes cannot read bob's home.
    const peek = spawnSync("runuser", ["-u", alice, "--", "ls", path.join("/home", bob, "workspace")], { encoding: "utf8" });
    expect(peek.status).not.toBe(0);
    expect(peek.stderr).toMatch(/Permission denied/);
  });

  test("a student runs a notebook to the end in JupyterLab, logged in with their password", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const watch = await watchPage(page, base);
      await page.goto(`${base}/hub/login`);
      await page.fill("#username_input", alice);
      await page.fill("#password_input", passwords[alice]);
      await page.click("#login_submit");
      await page.waitForURL(/\/user\//, { timeout: 60_000 });
      await openNotebook(page, `${base}/user/${alice}/lab/tree/00-start-here.ipynb?reset`);
      // Her copy, as her server holds it: the student edition, without the solution cells the stored one has.
      const nb = ((await (await api(`/user/${alice}/api/contents/00-start-here.ipynb`, tokens[alice])).json()) as { content: NotebookJson }).content;
      await runAllCells(page, watch, nb.cells.filter((c) => c.cell_type === "code").length, 90_000);
      expect(await page.locator("[data-mime-type='application/vnd.jupyter.stderr']").allTextContents()).toEqual([]);
      expect(watch.offsite).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 180_000);

  test("a student whose server cannot start gets the reason; the others are unaffected", async () => {
    // A file where carol's workspace folder should be: her workspace cannot be made.
    writeFileSync(path.join("/home", carol, "workspace"), "not a folder");
    const failure = await startServer(carol);
    expect(failure).not.toBeNull();
    expect(hubLog).toContain(`cannot use /home/${carol}/workspace as the workspace: it is a file, not a folder`);
    const progress = await (await api(`/hub/api/users/${carol}`, tokens[carol])).json();
    expect(JSON.stringify(progress)).not.toMatch(/"ready": ?true/);
    expect((await api(`/user/${alice}/api/contents/`, tokens[alice])).status).toBe(200);
  }, 180_000);

  test("a stopped and restarted hub keeps every student's work", async () => {
    const note = { type: "file", format: "text", content: `alice's notes ${suffix}` };
    const put = await api(`/user/${alice}/api/contents/notes.txt`, tokens[alice], { method: "PUT", body: JSON.stringify(note) });
    expect(put.status).toBe(201);
    await stopHub();
    const left = () => spawnSync("ps", ["-o", "pid=,args=", "-u", alice], { encoding: "utf8" }).stdout.trim();
    await expect.poll(left, { timeout: 15_000, message: "alice's processes after the hub stopped" }).toBe("");
    await startHub();
    expect(await startServer(alice)).toBeNull();
    const back = (await (await api(`/user/${alice}/api/contents/notes.txt`, tokens[alice])).json()) as { content: string };
    expect(back.content).toBe(note.content);
  }, 240_000);

  test("a roster with a bad line names it and creates nobody", () => {
    const fresh = `egt${suffix}z`;
    const roster = path.join(tmp, "bad-roster.txt");
    writeFileSync(roster, `${fresh}\nNot_a_name\n${fresh}\n`);
    const r = hubCommand(["--add-students", roster]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad-roster\.txt:2: 'Not_a_name' is not a valid user name/);
    expect(r.stderr).toMatch(/bad-roster\.txt:3: .* is already on line 1/);
    expect(r.stderr).toMatch(/Nothing was changed/);
    expect(spawnSync("id", [fresh]).status).not.toBe(0);
  });

  test("the hub refuses to start where it cannot keep its secrets, or with a secret others can read", async () => {
    const other = String(await freePort());
    const blocked = path.join(tmp, "a-file");
    writeFileSync(blocked, "");
    const r = hubCommand([], { ...hubEnv(), HUB_STATE_DIR: path.join(blocked, "state"), HUB_PORT: other });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot keep the hub's state in .*a-file\/state/);
    const loose = path.join(tmp, "loose");
    mkdirSync(loose);
    writeFileSync(path.join(loose, "cookie_secret"), "0123456789abcdef");
    chmodSync(path.join(loose, "cookie_secret"), 0o644);
    const open = hubCommand([], { ...hubEnv(), HUB_STATE_DIR: loose, HUB_PORT: other });
    expect(open.status).toBe(1);
    expect(open.stderr).toMatch(/cookie_secret must be a non-empty file only root can read \(mode 600, not 644\)/);
    expect(existsSync(path.join(loose, "jupyterhub.sqlite"))).toBe(false);
  });
});
