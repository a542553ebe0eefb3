// A `pulumi up` killed mid-run, as a CI runner cancelling a job kills it: the CLI started so its
// pid is known, its process tree, SIGKILL to all of it at once. Shared by the killed-run tests.
import { execFile, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { engineBinDir } from "../../scripts/lib/engine";
import type { TestStack } from "./pulumi";

/** Starts `pulumi up` of the stack as a CI job would (the CLI, not the Automation API, so its pid is known). */
export function startUp(t: TestStack): { pid: number; exited: Promise<number | null>; output: () => string } {
  let out = "";
  const child = spawn(path.join(engineBinDir(), "pulumi"), ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", t.stack.name], {
    cwd: t.stack.workspace.workDir,
    env: { ...process.env, ...t.stack.workspace.envVars },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { pid: child.pid as number, exited, output: () => out };
}

/** Runs the CLI on the stack; resolves to `exit <code>` and what it printed. */
export function runPulumi(t: TestStack, args: string[]): Promise<string> {
  return new Promise((resolve) =>
    execFile(path.join(engineBinDir(), "pulumi"), [...args, "--non-interactive"], { cwd: t.stack.workspace.workDir, env: { ...process.env, ...t.stack.workspace.envVars } }, (err, stdout, stderr) =>
      resolve(`exit ${err ? (err as { code?: number }).code : 0}\n${stdout}${stderr}`),
    ),
  );
}

export async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every process under `pid`, deepest last (the engine starts its plugins in process groups of their own). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" }).trim().split("\n")) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  for (let queue = [pid]; queue.length; ) {
    const next = queue.shift() as number;
    for (const c of children.get(next) ?? []) (out.push(c), queue.push(c));
  }
  return out;
}

export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); // a zombie has exited
  } catch {
    return false;
  }
}

/** SIGKILL to the CLI and everything it started, at once: nothing gets to clean up. */
export function killTree(pid: number): number {
  const all = [pid, ...descendants(pid)];
  for (const p of all) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return all.length;
}
