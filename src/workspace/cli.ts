/**
 * The workspace from the command line.
 *   sync                 make or update the student's copies (run by npm start before the server starts)
 *   reset NOTEBOOK…      start notebooks over (npm run reset -- 05); the student's version is kept as a backup
 * Options: --workspace DIR (default: workspace/ of this checkout), -h/--help.
 * Exit codes: 0 done, 1 the workspace cannot be written, 2 a bad argument.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { listNotebooks, PROJECT_ROOT, selectNotebooks } from "../notebook/execute";
import { describeSync, resetNotebook, syncWorkspace, WorkspaceError } from "./workspace";

const USAGE = `Usage: npm run reset -- NOTEBOOK…            start a notebook of your workspace over (yours is kept as a backup)
       ts-node src/workspace/cli.ts sync         make or update your copies of the tutorials (npm start does this)
  NOTEBOOK   a tutorial's file name or part of it, e.g. 05 or gradient-clipping
  --workspace DIR   the workspace folder (default: workspace/)`;

export const DEFAULT_WORKSPACE = path.join(PROJECT_ROOT, "workspace");
const TUTORIALS = path.join(PROJECT_ROOT, "notebooks");

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { workspace: { type: "string" }, help: { type: "boolean", short: "h" } } });
  } catch (e) {
    console.error(`workspace: ${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...names] = positionals;
  const workspace = path.resolve(values.workspace ?? DEFAULT_WORKSPACE);
  try {
    if (command === "sync" && names.length === 0) {
      for (const line of describeSync(syncWorkspace({ tutorials: TUTORIALS, workspace }), path.relative(process.cwd(), workspace) || ".")) {
        console.log(line);
      }
      return 0;
    }
    if (command === "reset" && names.length > 0) {
      let tutorials: string[];
      try {
        // Names only, matched among the tutorials: a path such as workspace/05-….ipynb must not become the source.
        tutorials = selectNotebooks(names.map((n) => path.basename(n).replace(/\.ipynb$/, "")), listNotebooks(), "reset");
      } catch (e) {
        console.error(`workspace: ${e instanceof Error ? e.message : String(e)}`);
        return 2;
      }
      for (const tutorial of tutorials) {
        const { notebook, backup } = resetNotebook(tutorial, { tutorials: TUTORIALS, workspace });
        console.log(`workspace: ${notebook} starts over from its tutorial${backup ? `; your version is kept as ${backup}` : ""}`);
      }
      return 0;
    }
  } catch (e) {
    if (!(e instanceof WorkspaceError)) throw e;
    console.error(`workspace: ${e.message}`);
    return 1;
  }
  console.error(`workspace: expected "sync" or "reset NOTEBOOK…", got "${positionals.join(" ")}"\n${USAGE}`);
  return 2;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
