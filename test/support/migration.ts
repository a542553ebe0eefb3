// Helpers for the KeyVaultMigration integration tests: one OpenBao dev server and one Key Vault
// double per test file, inline programs built from a mutable `params` object, a raw SecretClient,
// and a registry of every text that must never contain a seeded value (engine output, state,
// reports).
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyVaultMigration, type KeyVaultMigrationArgs } from "../../src/components/KeyVaultMigration";
import { MigrationReader } from "../../src/components/MigrationReader";
import type { ReaderSource } from "../../src/components/readerPolicy";
import type { VaultConnectionArgs } from "../../src/resources/vaultResourceInputs";
import type { KeyVaultDouble, KeyVaultDoubleOptions } from "../doubles/keyvault";
import type { OpenBaoServer } from "./openbao";
import { decodePlanKey, decodePlanLine, decodePlanValue, encodePlanReason, isPlanLineError, type PlanItem } from "../../src/engine";

// Loaded lazily: this module is also the entry of the stack programs (run by ts-node in the
// language host), which need neither the double nor OpenBao's process management.
const doubles = (): typeof import("../doubles/keyvault") => require("../doubles/keyvault") as typeof import("../doubles/keyvault");
const openbao = (): typeof import("./openbao") => require("./openbao") as typeof import("./openbao");
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { engineBinDir, engineEnv } from "../../scripts/lib/engine";
import { wrapStack, writeProgramProject, type TestStack } from "./pulumi";

export const repoRoot = path.resolve(__dirname, "..", "..");

/** Shared per test file: servers, the one Key Vault token, the fingerprint key, and every seeded value. */
export interface MigrationEnv {
  bao: OpenBaoServer;
  kv: KeyVaultDouble;
  /** The one Key Vault token of this file (credentials never change between runs). */
  kvToken: string;
  fingerprintKey: string;
  /** Raw SDK client on the double. */
  client: SecretClient;
  /** Every value seeded into OpenBao (and the keys/tokens): searched for at the end. */
  seeded: string[];
  /** Every stack made (kept until the end so its state can be exported). */
  stacks: TestStack[];
  /** Output of stacks already removed. */
  removedOutput: string[];
  /** Report base paths (`<p>.json`, `<p>.md`). */
  reports: string[];
  /** Directory for this file's reports (under .state/test, removed by `stopEnv`). */
  reportDir: string;
}

export async function startEnv(kvOptions: KeyVaultDoubleOptions = {}): Promise<MigrationEnv> {
  const bao = await openbao().startOpenBaoDev();
  const kv = await doubles().startKeyVaultDouble({ deleteDelayMs: 100, recoverDelayMs: 100, ...kvOptions });
  const kvToken = kv.issueToken();
  const fingerprintKey = `fp-key-${randomBytes(16).toString("hex")}`;
  const reportDir = path.join(repoRoot, ".state", "test", `reports-${randomBytes(3).toString("hex")}`);
  fs.mkdirSync(reportDir, { recursive: true });
  return { bao, kv, kvToken, fingerprintKey, client: rawClient(kv, kvToken), seeded: [fingerprintKey, kvToken, bao.rootToken], stacks: [], removedOutput: [], reports: [], reportDir };
}

export async function stopEnv(env: MigrationEnv | undefined): Promise<void> {
  if (!env) return;
  for (const t of env.stacks) await t.remove().catch(() => undefined);
  await env.kv.stop();
  await env.bao.stop();
  fs.rmSync(env.reportDir, { recursive: true, force: true });
}

/** A real SecretClient on the double, with the SDK's retries kept short. */
export function rawClient(kv: KeyVaultDouble, token: string): SecretClient {
  return new SecretClient(kv.vaultUrl, doubles().staticTokenCredential(token), {
    tlsOptions: { ca: kv.caCertPem },
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 },
  });
}

/** A value that is searched for at the end; long and unique. */
export function secretValue(env: MigrationEnv, label: string): string {
  const v = `SEEDVAL-${label}-${randomBytes(8).toString("hex")}`;
  env.seeded.push(v);
  return v;
}

/** Writes a KV v2 secret (and its custom_metadata when given). */
export async function putKv2(env: MigrationEnv, mount: string, p: string, data: Record<string, string>, customMetadata?: Record<string, string>): Promise<void> {
  await openbao().vaultRequest(env.bao, "POST", `${mount}/data/${p}`, { data });
  if (customMetadata) await openbao().vaultRequest(env.bao, "POST", `${mount}/metadata/${p}`, { custom_metadata: customMetadata });
}

export async function putKv1(env: MigrationEnv, mount: string, p: string, data: Record<string, string>): Promise<void> {
  await openbao().vaultRequest(env.bao, "POST", `${mount}/${p}`, data);
}

export async function newMount(env: MigrationEnv, mount: string, version: 1 | 2): Promise<void> {
  await openbao().mountKv(env.bao, mount, version);
}

/** What a test program builds; the program reads it on every run. */
export interface MigrationParams {
  mount: string;
  prefix?: string;
  kvVersion?: 1 | 2;
  rules?: { match: string; name: string; mount?: string }[];
  include?: string[];
  exclude?: string[];
  existing?: KeyVaultMigrationArgs["existing"];
  deletionPolicy?: KeyVaultMigrationArgs["deletionPolicy"];
  unwrapKey?: string;
  expiryKey?: string;
  concurrency?: number;
  progressIntervalMs?: number;
  /** Relative to env.reportDir; registered for the leak check. */
  report?: string;
  onDestroy?: "keep" | "delete";
  /** Extra destination settings (pacing, softDeleted). */
  destinationExtra?: Record<string, unknown>;
  /** Replaces the double's URL (an unreachable destination). */
  vaultUrl?: string;
  /** Vault token of the source connection; default root. */
  vaultToken?: string;
  /** Vault address; default the dev server. */
  vaultAddress?: string;
  /** Read with a MigrationReader created in the same program. */
  reader?: { name: string; sources: ReaderSource[] };
}

export function reportBase(env: MigrationEnv, name: string): string {
  return path.join(env.reportDir, name);
}

/** Everything the program needs, written as JSON next to the stack before each operation. */
interface ProgramInput {
  baoAddress: string;
  rootToken: string;
  vaultUrl: string;
  caCertPem: string;
  kvToken: string;
  fingerprintKey: string;
  report?: string;
  params: MigrationParams;
}

/** The program for one input: optionally a MigrationReader, then one KeyVaultMigration named `m`. */
export function migrationProgram(input: ProgramInput): () => Promise<Record<string, unknown>> {
  return async () => {
    const params = input.params;
    const admin: VaultConnectionArgs = { address: params.vaultAddress ?? input.baoAddress, auth: { method: "token", token: params.vaultToken ?? input.rootToken } };
    let connection: pulumi.Input<VaultConnectionArgs> = pulumi.secret(admin);
    const outputs: Record<string, unknown> = {};
    if (params.reader) {
      const reader = new MigrationReader(params.reader.name, { connection: pulumi.secret(admin), sources: params.reader.sources, policyName: params.reader.name, roleName: params.reader.name });
      connection = reader.readerConnection;
      outputs.readerPolicy = reader.policyName;
    }
    const m = new KeyVaultMigration("m", {
      source: { connection, mount: params.mount, ...(params.prefix ? { prefix: params.prefix } : {}), ...(params.kvVersion ? { kvVersion: params.kvVersion } : {}) },
      destination: { vaultUrl: params.vaultUrl ?? input.vaultUrl, caCertPem: input.caCertPem, disableChallengeResourceVerification: true, ...(params.destinationExtra ?? {}) },
      credential: pulumi.secret({ type: "accessToken" as const, token: input.kvToken }),
      fingerprintKey: pulumi.secret(input.fingerprintKey),
      mapping: { ...(params.rules ? { rules: params.rules } : {}), ...(params.include ? { include: params.include } : {}), ...(params.exclude ? { exclude: params.exclude } : {}) },
      ...(params.existing ? { existing: params.existing } : {}),
      ...(params.deletionPolicy ? { deletionPolicy: params.deletionPolicy } : {}),
      ...(params.unwrapKey ? { unwrapKey: params.unwrapKey } : {}),
      ...(params.expiryKey ? { expiryKey: params.expiryKey } : {}),
      ...(params.concurrency ? { concurrency: params.concurrency } : {}),
      ...(params.progressIntervalMs ? { progressIntervalMs: params.progressIntervalMs } : {}),
      ...(input.report ? { reportPath: input.report } : {}),
      ...(params.onDestroy ? { onDestroy: params.onDestroy } : {}),
    } as KeyVaultMigrationArgs);
    return { ...outputs, pending: m.pending, summary: m.summary, drift: m.drift };
  };
}

/** Entry of the generated program file: reads its input from `params.json` next to it. */
export function programFromFile(file: string): () => Promise<Record<string, unknown>> {
  return migrationProgram(JSON.parse(fs.readFileSync(file, "utf8")) as ProgramInput);
}

/**
 * A stack running the migration program through the real CLI and the Node language host with
 * ts-node (as `pulumi up` of the stack project does), NOT as an inline Automation API program:
 * under mocha the inline program's code is tsx/esbuild output with whitespace minified
 * (`async*listProperties(){…}`), which Pulumi's closure serializer cannot parse, so the
 * SecretMigration dynamic provider cannot be serialized inline (see the test report).
 * Same interface as `testStack`; `params` is re-read before every operation.
 */
export async function migrationStack(env: MigrationEnv, name: string, params: MigrationParams): Promise<TestStack> {
  const id = `${name}-${randomBytes(3).toString("hex")}`;
  const dir = path.join(repoRoot, ".state", "test", id);
  const workDir = path.join(dir, "work");
  fs.mkdirSync(workDir, { recursive: true });
  const e = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(repoRoot, ".state", "test", "home"), passphrase: "test-passphrase" });
  writeProgramProject(workDir, e.PULUMI_BACKEND_URL, "test/support/migration.ts");
  const writeInput = (): void => {
    const report = params.report ? reportBase(env, params.report) : undefined;
    if (report && !env.reports.includes(report)) env.reports.push(report);
    const input: ProgramInput = { baoAddress: env.bao.address, rootToken: env.bao.rootToken, vaultUrl: env.kv.vaultUrl, caCertPem: env.kv.caCertPem, kvToken: env.kvToken, fingerprintKey: env.fingerprintKey, report, params };
    fs.writeFileSync(path.join(workDir, "params.json"), JSON.stringify(input), { mode: 0o600 });
  };
  writeInput();
  const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: "test", workDir }, { workDir, pulumiHome: e.PULUMI_HOME, envVars: e, pulumiCommand, secretsProvider: "passphrase" });
  const t = wrapStack(stack, { workDir, env: e, dir, beforeEach: writeInput });
  env.stacks.push(t);
  return t;
}

/** Runs `op` expecting failure; returns the error message plus everything the engine printed for it. */
export async function expectFailure(t: TestStack, op: "preview" | "up"): Promise<string> {
  const before = t.output.length;
  try {
    await (op === "preview" ? t.preview() : t.up());
  } catch (e) {
    return `${(e as Error).message}\n${t.output.slice(before).join("")}`;
  }
  assert.fail(`expected ${op} to fail`);
}

/**
 * The per-secret lines of a preview or up, read with the plan-line codec: the migration's `pending`
 * entries as the diff shows them (`[+~] <key><padding>: "<value>"`, the value Go-quoted) and the
 * component's log lines (`<path> → <name>: <action>[ vN]: <reason>`). Create, update and delete
 * only. Returns source path → `"<action>: <reason>[ (<detail>)]"`.
 */
export function plannedLines(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const add = (i: Pick<PlanItem, "sourcePath" | "action" | "reason" | "detail"> | undefined, fromDiff: boolean): void => {
    if (!i || !["create", "update", "delete"].includes(i.action)) return;
    if (fromDiff || !out.has(i.sourcePath)) out.set(i.sourcePath, `${i.action}: ${encodePlanReason(i.reason, i.detail)}`);
  };
  for (const raw of stdout.split("\n")) {
    // Removed entries (a stack output holding an earlier plan) are no pending change.
    if (/^\s*-/.test(raw)) continue;
    // A diff line: the key is padded to the longest key of the map before its `: `.
    const diff = /^\s*[+~]?\s*(.+? → [^:]*?)\s*: ("(?:[^"\\]|\\.)*")$/.exec(raw);
    if (diff) {
      add(tryDecode(() => ({ ...decodePlanKey(diff[1]), ...decodePlanValue(JSON.parse(diff[2]) as string) })), true);
      continue;
    }
    // A log line, as the Diagnostics section repeats it: the line alone, indented.
    if (raw.includes(" → ")) add(tryDecode(() => decodePlanLine(raw.trim())), false);
  }
  return out;
}

function tryDecode<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isPlanLineError(e)) return undefined;
    throw e;
  }
}

/** Names and values of every live secret in the double whose name starts with `prefix`. */
export async function destinationValues(client: SecretClient, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const p of client.listPropertiesOfSecrets()) {
    if (!p.name.toLowerCase().startsWith(prefix.toLowerCase())) continue;
    const s = await client.getSecret(p.name);
    out.set(p.name, s.value ?? "");
  }
  return out;
}

/** Every text a seeded value must never appear in: engine output, plain state exports, reports. */
export async function leakTexts(env: MigrationEnv): Promise<Record<string, string>> {
  const texts: Record<string, string> = { "engine output of removed stacks": env.removedOutput.join("") };
  for (const [i, t] of env.stacks.entries()) {
    texts[`engine output of stack #${i}`] = t.output.join("");
    texts[`state export of stack #${i}`] = await t.exportState().catch((e: Error) => `export failed: ${e.message}`);
  }
  for (const r of env.reports) {
    for (const ext of [".json", ".md"]) if (fs.existsSync(`${r}${ext}`)) texts[`report ${path.basename(r)}${ext}`] = fs.readFileSync(`${r}${ext}`, "utf8");
  }
  return texts;
}

export function readReport(base: string): {
  items: { sourcePath: string; destinationName: string; action: string; result: string; reason: string; error?: string }[];
  counts: Record<string, number>;
  inSync: number;
  finishedAt: string;
  excluded: { count: number; byRule: { by: string; count: number; examples: string[] }[] };
} {
  return JSON.parse(fs.readFileSync(`${base}.json`, "utf8"));
}
