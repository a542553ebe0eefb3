// What `npm run bench` and its cases share (scripts/bench.ts, scripts/lib/benchVault.ts): timing,
// the child processes that copy (benchCopy.ts) or run a bare-undici floor (benchFloor.ts), the
// servers' CPU, and reading an exported state.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./engine";

export type Target = [string, boolean, string];
export type Row = (name: string, seconds?: number, value?: string) => void;

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, (performance.now() - t0) / 1000];
}

export interface ChildResult { ms: number; secrets: number; maxRssMb: number; cpuS: number; planMs?: number }

/**
 * CPU seconds a server process has used so far (Linux /proc; 0 elsewhere). On this 2-core machine
 * the servers and the copy share the CPU, so where it goes says what a copy costs.
 */
export function processCpuS(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function lastJsonLine<T>(script: string, job: object): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(__dirname, script), JSON.stringify(job)], { cwd: repoRoot, encoding: "utf8", maxBuffer: 1 << 26 });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as T;
}

/** Peak RSS in MB during an engine run: the dynamic provider's, the engine's, and the program's (see {@link withEnginePeakRss}). */
export interface EnginePeakRss { providerMb: number; engineMb: number; programMb: number }

/**
 * Runs `fn` (a `pulumi up`) while reading, every second, the peak RSS (`VmHWM`, Linux /proc) of this
 * process's descendants: the dynamic provider (`dynamic-provider/index.js`), the engine (`pulumi`)
 * and the program the language host runs (`@pulumi/pulumi/cmd/run`: the planning), or for an inline
 * program (Automation API, as the bench's stacks are), this process's own RSS while it runs it. A
 * peak reached in a process's last second is missed. Zeros where /proc is not.
 */
export async function withEnginePeakRss<T>(fn: () => Promise<T>): Promise<[T, EnginePeakRss]> {
  const peak: EnginePeakRss = { providerMb: 0, engineMb: 0, programMb: 0 };
  let hosted = false;
  let own = 0;
  const sample = (): void => {
    own = Math.max(own, process.memoryUsage().rss / 1024 / 1024);
    let pids: string[];
    try {
      pids = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
    } catch {
      return;
    }
    const parent = new Map<number, number>();
    for (const pid of pids) {
      try {
        parent.set(Number(pid), Number(fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[1]));
      } catch {
        // gone since the listing
      }
    }
    const mine = (pid: number): boolean => {
      for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
      return false;
    };
    for (const pid of parent.keys()) {
      if (!mine(pid)) continue;
      try {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const kind = argv.some((a) => a.endsWith("dynamic-provider/index.js"))
          ? "providerMb"
          : argv[0]?.endsWith("/pulumi")
            ? "engineMb"
            : argv.some((a) => /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run(?:[\\/]index\.js)?$/.test(a))
              ? "programMb"
              : undefined;
        if (!kind) continue;
        const kb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
        peak[kind] = Math.max(peak[kind], kb / 1024);
        if (kind === "programMb") hosted = true;
      } catch {
        // gone since the listing
      }
    }
  };
  const timer = setInterval(sample, 1000);
  try {
    const result = await fn();
    return [result, hosted ? peak : { ...peak, programMb: own }];
  } finally {
    clearInterval(timer);
  }
}

/** Runs one bare-undici floor (scripts/lib/benchFloor.ts) in a child process. */
export function floor(job: object): Promise<{ ms: number; secrets: number; cpuS: number }> {
  return lastJsonLine("benchFloor.ts", job);
}

/** Runs one copy in a child process (asynchronously: the Key Vault double serves from this process). */
export function child(job: object): Promise<ChildResult> {
  return lastJsonLine("benchCopy.ts", job);
}

/** The serialized migration provider in an exported state: its size and how many times it is stored. */
export function providerInState(state: string): { bytes: number; copies: number } {
  const texts = migrationResources(state).flatMap((r) => [r.inputs?.__provider, r.outputs?.__provider]).filter((t): t is string => typeof t === "string");
  return { bytes: Math.max(0, ...texts.map((t) => t.length)), copies: texts.length };
}

export interface StateResource { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }

/** Every resource of an exported state. */
export function stateResources(state: string): StateResource[] {
  return (JSON.parse(state) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? [];
}

/** The migration resources (`SecretMigration`) of an exported state. */
export function migrationResources(state: string): StateResource[] {
  return stateResources(state).filter((r) => r.type.endsWith(":SecretMigration"));
}
