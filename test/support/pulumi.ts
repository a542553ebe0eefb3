// Runs Pulumi programs through the real engine (the CLI built from Go modules) for integration tests.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as assert from "node:assert/strict";
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";

const stateRoot = path.join(repoRoot, ".state", "test");

export interface TestStack {
  stack: Stack;
  /** Everything the engine printed for this stack so far (up, preview, refresh, destroy). */
  output: string[];
  up(): Promise<import("@pulumi/pulumi/automation").UpResult>;
  preview(diff?: boolean): Promise<import("@pulumi/pulumi/automation").PreviewResult>;
  refresh(): Promise<import("@pulumi/pulumi/automation").RefreshResult>;
  destroy(): Promise<void>;
  /** The deployment's state as plain `pulumi stack export` writes it (secrets stay encrypted). */
  exportState(): Promise<string>;
  /** Removes the stack and its state. */
  remove(): Promise<void>;
}

/**
 * A fresh stack for an inline program, in its own `file://` backend under `.state/test/`.
 * The work dir is inside the repository so the dynamic-provider plugin resolves `@pulumi/pulumi`.
 */
export async function testStack(name: string, program: PulumiFn): Promise<TestStack> {
  const id = `${name}-${randomBytes(3).toString("hex")}`;
  const dir = path.join(stateRoot, id);
  const workDir = path.join(dir, "work");
  fs.mkdirSync(workDir, { recursive: true });
  const env = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(stateRoot, "home"), passphrase: "test-passphrase" });
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: "test", projectName: "vmtest", program },
    {
      workDir,
      pulumiHome: env.PULUMI_HOME,
      envVars: env,
      pulumiCommand,
      secretsProvider: "passphrase",
      projectSettings: { name: "vmtest", runtime: "nodejs", backend: { url: env.PULUMI_BACKEND_URL } },
    },
  );
  return wrapStack(stack, { workDir, env, dir });
}

/**
 * The project of a stack program run through the real CLI and language host from `workDir`:
 * Pulumi.yaml, an `index.js` exporting `programFromFile(params.json)` of `entry` (a module of this
 * repository), and a tsconfig.json extending the repository's, so the language host's ts-node
 * compiles the program as it compiles the stack project's (swc, transpile only, the same options).
 */
export function writeProgramProject(workDir: string, backendUrl: string, entry: string): void {
  fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), `name: vmtest\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.js\nbackend:\n  url: ${backendUrl}\n`);
  fs.writeFileSync(path.join(workDir, "tsconfig.json"), JSON.stringify({ extends: path.join(repoRoot, "tsconfig.json") }));
  fs.writeFileSync(path.join(workDir, "index.js"), `module.exports = require(${JSON.stringify(path.join(repoRoot, entry))}).programFromFile(${JSON.stringify(path.join(workDir, "params.json"))});\n`);
}

/**
 * The {@link TestStack} operations over a stack of the real engine. `beforeEach` runs before every
 * engine operation (programs that read their parameters from a file rewrite it there).
 */
export function wrapStack(stack: Stack, o: { workDir: string; env: Record<string, string>; dir: string; beforeEach?: () => void }): TestStack {
  const output: string[] = [];
  const onOutput = (s: string): void => void output.push(s);
  const before = o.beforeEach ?? ((): void => undefined);
  return {
    stack,
    output,
    up: () => (before(), stack.up({ onOutput, color: "never" })),
    preview: (diff = true) => (before(), stack.preview({ onOutput, diff, color: "never" })),
    refresh: () => (before(), stack.refresh({ onOutput, color: "never" })),
    destroy: async () => {
      before();
      await stack.destroy({ onOutput, color: "never" });
    },
    // Not `stack.exportStack()`: the Automation API exports with --show-secrets.
    exportState: async () =>
      execFileSync(path.join(engineBinDir(), "pulumi"), ["stack", "export", "--stack", stack.name, "--non-interactive"], { cwd: o.workDir, env: { ...process.env, ...o.env }, encoding: "utf8", maxBuffer: 1 << 30 }),
    remove: async () => {
      await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
      fs.rmSync(o.dir, { recursive: true, force: true });
    },
  };
}

/** Asserts none of the secrets, nor their plain SHA-256 (hex or base64), occurs in any text. */
export function assertNoSecrets(texts: Record<string, string>, secrets: string[]): void {
  secrets.forEach((s, i) => {
    assert.ok(s.length >= 8, "seeded secrets must be long enough to search for");
    const h = createHash("sha256").update(s).digest();
    const needles = { value: s, "sha256 hex": h.toString("hex"), "sha256 base64": h.toString("base64"), "sha256 base64url": h.toString("base64url") };
    for (const [where, text] of Object.entries(texts)) {
      for (const [kind, n] of Object.entries(needles)) {
        const at = text.indexOf(n);
        // The message names the secret by index and shows what is next to it, never the secret itself.
        assert.ok(at < 0, `secret #${i} (${kind}) appears in ${where}, after: ${JSON.stringify(text.slice(Math.max(0, at - 80), at))}`);
      }
    }
  });
}

/** Counts of each step kind in an up/preview summary, e.g. `{ create: 3 }`. */
export function changes(summary: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(summary ?? {})) if (k !== "same" && v) out[k] = v;
  return out;
}
