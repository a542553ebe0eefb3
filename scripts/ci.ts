// CI entry point for a migration stack of this project, through the Automation API:
//
//   npm run ci:preview -- --stack <name> [--out plan.md]    pull requests: what would change
//   npm run ci:up      -- --stack <name> [--out run.md]     main: preview, apply, then a run summary
//   npm run ci:drift   -- --stack <name> [--out drift.md]   schedule: preview with refresh
//   (or: tsx scripts/ci.ts preview|up|drift --stack <name> [--out FILE] [--verbose])
//
// Exit codes (a pipeline branches on them):
//   0  clean: nothing pending (preview, drift) / the update succeeded (up)
//   2  changes pending: secrets to create/update/delete, drifted copies, or other resource
//      changes (preview, drift)
//   1  refused or error: the migration refused (e.g. a destination secret it did not write), the
//      engine or the program failed, bad arguments
//
// The Markdown (fit for a pull-request comment) is printed on stdout and, with --out, written to
// FILE. It names stacks, source paths, destination names and reasons only: the plan never holds a
// value, and engine events are never printed wholesale.
//
// Environment: whatever the CI provides (PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE or the
// stack's cloud secrets provider, VAULT_ADDR/VAULT_TOKEN, Azure credentials, …). The offline engine
// from scripts/setup-engine.sh is used when it is built; otherwise the `pulumi` on PATH.
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import {
  buildMarkdown,
  errorLines,
  exitCode,
  EXIT,
  refusalLine,
  refusalsFromError,
  rowsFromPending,
  type CiMode,
  type CiReport,
  type MigrationSummaryOut,
} from "./lib/ciMarkdown";
import { planOf } from "../src/migration/pendingChanges";

const repoRoot = path.resolve(__dirname, "..");
const SECRET_MIGRATION_TYPE = "pulumi-nodejs:dynamic/vault-migration:SecretMigration";
const MIGRATION_COMPONENT = /^vault-migration:migration:\w*Migration$/;
const CHANGE_OPS = new Set(["create", "update", "replace", "create-replacement"]);

interface Args {
  mode: CiMode;
  stack: string;
  out?: string;
  verbose: boolean;
}

const USAGE = "usage: tsx scripts/ci.ts preview|up|drift --stack <name> [--out FILE] [--verbose]";

function parseArgs(argv: string[]): Args {
  let mode: string | undefined;
  let stack = process.env.PULUMI_STACK ?? process.env.STACK;
  let out: string | undefined;
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--stack" || a === "-s") stack = argv[++i];
    else if (a.startsWith("--stack=")) stack = a.slice(8);
    else if (a === "--out" || a === "-o") out = argv[++i];
    else if (a.startsWith("--out=")) out = a.slice(6);
    else if (a === "--verbose" || a === "-v") verbose = true;
    else if (a === "--help" || a === "-h") throw new UsageError(USAGE, 0);
    else if (!mode && !a.startsWith("-")) mode = a;
    else throw new UsageError(`unknown argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  if (mode !== "preview" && mode !== "up" && mode !== "drift") throw new UsageError(`the first argument must be preview, up or drift\n${USAGE}`);
  if (!stack) throw new UsageError(`--stack is required (or set PULUMI_STACK)\n${USAGE}`);
  return { mode, stack, out, verbose };
}

class UsageError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.error,
  ) {
    super(message);
  }
}

/** The offline engine's root (holding bin/pulumi) when it is built; never builds it. */
function engineRoot(): string | undefined {
  try {
    const v = (JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { engine: { pulumiCli: string; nodeLanguageHost: string } }).engine;
    const root = path.join(repoRoot, ".engine", `cli-v${v.pulumiCli}-host-v${v.nodeLanguageHost}`);
    return fs.existsSync(path.join(root, "bin", "pulumi")) && fs.existsSync(path.join(root, "bin", "pulumi-language-nodejs")) ? root : undefined;
  } catch {
    return undefined;
  }
}

/** The environment of the engine: the process's, with the offline defaults when unset. */
function engineEnvironment(root: string | undefined): Record<string, string> {
  const defaults: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
  };
  for (const [k, v] of Object.entries(defaults)) if (process.env[k] === undefined) process.env[k] = v;
  // The language host and the dynamic-provider plugin are found on PATH.
  if (root && !(process.env.PATH ?? "").split(path.delimiter).includes(path.join(root, "bin"))) {
    process.env.PATH = `${path.join(root, "bin")}${path.delimiter}${process.env.PATH ?? ""}`;
  }
  const env: Record<string, string> = {};
  for (const k of [...Object.keys(defaults), "PATH"]) env[k] = process.env[k]!;
  return env;
}

/** Last segment of a URN: the resource's name. */
function nameOf(urn: string | undefined): string {
  if (!urn) return "";
  const i = urn.lastIndexOf("::");
  return i < 0 ? urn : urn.slice(i + 2);
}

function typeOf(urn: string | undefined): string {
  const parts = (urn ?? "").split("::");
  const t = parts.length >= 4 ? parts[parts.length - 2] : "";
  return t.split("$").pop() ?? t;
}

/** Collects what the report needs from engine events; keeps nothing else. */
class Collector {
  readonly report: CiReport;
  private readonly errorMessages: string[] = [];
  private readonly drift = new Map<string, Record<string, unknown>>();

  constructor(mode: CiMode, stack: string) {
    this.report = { mode, stack, failed: false, errors: [], refusals: [], secrets: [], steps: [], planLines: {} };
  }

  onEvent = (e: EngineEvent): void => {
    try {
      if (e.resourcePreEvent) this.step(e.resourcePreEvent.metadata);
      if (e.resOutputsEvent) this.outputs(e.resOutputsEvent.metadata);
      if (e.diagnosticEvent) this.diagnostic(e.diagnosticEvent);
      if (e.summaryEvent) this.report.resourceChanges = { ...(e.summaryEvent.resourceChanges as Record<string, number>) };
    } catch {
      // An event of an unexpected shape never fails the run; the summary still comes from the result.
    }
  };

  private step(md: { op: string; urn: string; type: string; old?: { outputs?: Record<string, unknown> }; new?: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> } }): void {
    const name = nameOf(md.urn);
    if (md.type === SECRET_MIGRATION_TYPE) {
      if (this.report.mode !== "up") {
        // Drift a refresh found (this one's, or a stored one the next `up` repairs).
        this.keepDrift(name, md.old?.outputs?.drift);
        this.keepDrift(name, md.new?.outputs?.drift);
      }
      // Skipped and orphaned secrets: the plan's `notices` input, complete (the log lines stop at
      // logLimit); a refresh step's copy of the same inputs is not counted twice.
      if (md.op !== "refresh" && md.op !== "read") this.report.secrets.push(...rowsFromPending(name, md.new?.inputs?.notices));
      if (CHANGE_OPS.has(md.op)) {
        // An `up` carries the plan as `__pending` (src/migration/pendingChanges.ts, planInputs).
        const pending = planOf(md.new?.inputs);
        if (pending !== undefined && (typeof pending !== "object" || pending === null)) {
          this.report.secrets.push({ migration: name, action: "update", sourcePath: "(all)", destinationName: "(all)", reason: "the plan is only known at apply time" });
        } else {
          this.report.secrets.push(...rowsFromPending(name, pending));
        }
      }
    }
    if (md.op !== "same" && md.op !== "refresh" && md.op !== "read" && md.type !== "pulumi:pulumi:Stack" && !md.type.startsWith("pulumi:providers:")) {
      this.report.steps.push({ op: md.op, type: md.type, name });
    }
  }

  private outputs(md: { type: string; urn: string; new?: { outputs?: Record<string, unknown> } }): void {
    if (md.type === SECRET_MIGRATION_TYPE && this.report.mode !== "up") this.keepDrift(nameOf(md.urn), md.new?.outputs?.drift);
  }

  private keepDrift(name: string, drift: unknown): void {
    if (!drift || typeof drift !== "object" || Array.isArray(drift)) return;
    this.drift.set(name, { ...(this.drift.get(name) ?? {}), ...(drift as Record<string, unknown>) });
  }

  private diagnostic(d: { urn?: string; message: string; severity: string }): void {
    if (d.severity === "error") {
      this.errorMessages.push(d.message);
      return;
    }
    if (d.severity !== "info" || !MIGRATION_COMPONENT.test(typeOf(d.urn))) return;
    const name = nameOf(d.urn);
    // Only the counts line: every secret comes from the resource's inputs (`pending`, `notices`).
    for (const line of d.message.split(/\r?\n/)) {
      const t = line.trim();
      if (t.startsWith("plan: ")) this.report.planLines![name] = t.slice(6);
    }
  }

  /** Call once the operation has ended; `error` is what it threw, if anything. */
  finish(error?: unknown): CiReport {
    const r = this.report;
    for (const [name, drift] of this.drift) r.secrets.push(...rowsFromPending(name, drift, "drift"));
    if (error !== undefined) {
      r.failed = true;
      const messages = this.errorMessages.length ? this.errorMessages : [cliErrorText(error)];
      r.refusals = refusalsFromError(messages.join("\n"));
      // The refused secrets are the table: their lines are not repeated as errors.
      r.errors = errorLines(messages.join("\n")).filter((l) => !r.refusals.length || !refusalLine("-", l));
    }
    return r;
  }
}

/** The `error:` lines of a failed CLI call, never its whole output. */
function cliErrorText(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  const fromStderr = (err.stderr ?? "")
    .split(/\r?\n/)
    .filter((l) => /^\s*error:/i.test(l))
    .join("\n");
  if (fromStderr) return fromStderr;
  const msg = String(err.message ?? e);
  const stderrPart = /stderr: ([\s\S]*)$/.exec(msg)?.[1];
  const lines = (stderrPart ?? msg).split(/\r?\n/).filter((l) => /error/i.test(l));
  return (lines.length ? lines : msg.split(/\r?\n/).slice(0, 3)).join("\n");
}

/** Report files the stack's migrations write (`reportPath` → `<path>.md`), from its config. */
async function reportPaths(stack: Stack): Promise<string[]> {
  try {
    const v = await stack.getConfig("vault-migration:migrations");
    const migrations = JSON.parse(v.value) as { reportPath?: string }[];
    return Array.isArray(migrations) ? migrations.filter((m) => typeof m?.reportPath === "string").map((m) => `${m.reportPath}.md`) : [];
  } catch {
    return [];
  }
}

function summariesOf(outputs: Record<string, { value: unknown; secret: boolean }> | undefined): Record<string, MigrationSummaryOut> | undefined {
  const o = outputs?.migrationSummaries;
  if (!o || o.secret || !o.value || typeof o.value !== "object") return undefined;
  return o.value as Record<string, MigrationSummaryOut>;
}

export async function run(args: Args): Promise<{ markdown: string; code: number }> {
  const root = engineRoot();
  const envVars = engineEnvironment(root);
  const collector = new Collector(args.mode, args.stack);
  const progress = args.verbose ? (s: string): void => void process.stderr.write(s) : undefined;
  let stack: Stack | undefined;
  let error: unknown;
  try {
    const pulumiCommand = root ? await PulumiCommand.get({ root, skipVersionCheck: true }) : undefined;
    stack = await LocalWorkspace.selectStack(
      { stackName: args.stack, workDir: repoRoot },
      { envVars, ...(pulumiCommand ? { pulumiCommand } : {}), ...(process.env.PULUMI_HOME ? { pulumiHome: process.env.PULUMI_HOME } : {}) },
    );
    if (args.mode === "up") {
      // The Automation API's `up` always passes --skip-preview. Preview first, as `pulumi up --yes`
      // does: a refusal or a bad value then stops the job before the update starts, whatever
      // else the stack holds. The update checks again before its first write (values may change
      // in between). The preview's events are collected apart: its plan rows are not the run's.
      const checks = new Collector("up", args.stack);
      try {
        await stack.preview({ onEvent: checks.onEvent, onOutput: progress, color: "never" });
      } catch (e) {
        const refused = checks.finish(e);
        refused.errors.unshift("the preview before the update failed: the update did not start, nothing was changed");
        return { markdown: buildMarkdown(refused), code: exitCode(refused) };
      }
      const res = await stack.up({ onEvent: collector.onEvent, onOutput: progress, color: "never" });
      collector.report.summaries = summariesOf(res.outputs);
      collector.report.resourceChanges = { ...(res.summary.resourceChanges as Record<string, number>) };
      const reports = await reportPaths(stack);
      if (reports.length) collector.report.reports = reports;
    } else {
      await stack.preview({ diff: true, refresh: args.mode === "drift", onEvent: collector.onEvent, onOutput: progress, color: "never" });
    }
  } catch (e) {
    error = e;
  }
  const report = collector.finish(error);
  if (args.mode === "up" && error !== undefined && stack) {
    const reports = await reportPaths(stack);
    if (reports.length) report.reports = reports;
  }
  return { markdown: buildMarkdown(report), code: exitCode(report) };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    const u = e as UsageError;
    (u.code === 0 ? process.stdout : process.stderr).write(`${u.message}\n`);
    return u.code ?? EXIT.error;
  }
  const { markdown, code } = await run(args);
  if (args.out) {
    fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
    fs.writeFileSync(args.out, markdown);
  }
  process.stdout.write(markdown);
  process.stderr.write(`ci ${args.mode} (stack ${args.stack}): exit ${code}${args.out ? `, Markdown in ${args.out}` : ""}\n`);
  return code;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`ci failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n`);
      process.exitCode = EXIT.error;
    },
  );
}
