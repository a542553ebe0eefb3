// Runs the stack program itself (index.ts) with the configuration of stacks/Pulumi.azure-example.yaml
// under pulumi.runtime.setMocks (the azure-native provider plugin cannot be fetched here), and
// records what the SDK asked the engine for: every registration with its inputs, the state the mocks
// answered, when it started and finished, and the dependencies the SDK sent with it.
//
// azure-native stays mocked (test/support/azureNativeMocks.ts). This project's own dynamic
// resources (`pulumi-nodejs:dynamic/vault-migration:*`) are either left to the engine's preview behaviour
// (outputs unknown) or, in an `up`, run for real: their serialized provider's `check` and `create`
// in a plain node process, as the dynamic-provider host does.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AzureNativeMocks } from "./azureNativeMocks";
import { callProvider } from "./providerHost";

export { NetworkProbe } from "./networkProbe";

// js-yaml ships without types (it comes with @pulumi/pulumi); this is the one function used.
const yaml = require("js-yaml") as { load(text: string): unknown };

const EXAMPLE_STACK_FILE = path.join(__dirname, "..", "..", "stacks", "Pulumi.azure-example.yaml");
const PROGRAM = path.join(__dirname, "..", "..", "index.ts");
export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const TENANT = "00000000-0000-0000-0000-0000000000aa";

/** Role definition id of Key Vault Secrets Officer, the migration identity's role. */
export const SECRETS_OFFICER_ROLE = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
/**
 * Types of this project's dynamic resources: `pulumi-nodejs:dynamic/vault-migration:<Class>` (each
 * passes module and type to pulumi.dynamic.Resource; without them it would be `pulumi-nodejs:dynamic:Resource`).
 */
export const dynamicType = (cls: string): string => `pulumi-nodejs:dynamic/vault-migration:${cls}`;
const isDynamic = (type: string): boolean => /^pulumi-nodejs:dynamic(\/[^:]+)?:/.test(type);

// What the engine sends for a value not known yet, and how it wraps a secret
// (node_modules/@pulumi/pulumi/runtime/rpc.js: `unknownValue`, `specialSigKey`, `specialSecretSig`).
// During a dry run `deserializeProperty` turns the unknown sentinel into an unknown output value.
const UNKNOWN = pulumi.runtime.unknownValue; // "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig; // "1b47061264138c4ac30d75fd1eb44270"

/**
 * Outputs of this project's dynamic resources that their providers compute (VaultAuthMount
 * `adopted`, VaultAppRole `roleId`, VaultAppRoleSecretId `secretId`/`accessor`, SecretMigration
 * `summary`/`drift`): unknown in the preview of a create, like every output a provider computes.
 */
const COMPUTED_OUTPUTS = ["adopted", "roleId", "secretId", "accessor", "summary", "drift"];

/** The example stack's `config:` map, freshly parsed (callers may change their copy). */
export function exampleStackConfig(): Record<string, unknown> {
  const doc = yaml.load(readFileSync(EXAMPLE_STACK_FILE, "utf8"));
  if (doc === null || typeof doc !== "object" || !("config" in doc)) throw new Error(`${EXAMPLE_STACK_FILE} has no config: map`);
  return (doc as { config: Record<string, unknown> }).config;
}

/** True for a value the SDK handed the mocks as a secret: `{[specialSigKey]: specialSecretSig, value}`. */
export function isWrappedSecret(v: unknown): v is { value: unknown } {
  return v !== null && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The plain value, secret wrappers removed at every depth (the engine strips them before a provider sees inputs). */
export function unwrapSecrets(v: unknown): unknown {
  if (isWrappedSecret(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

/** One registration the mocks saw. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** As the mocks received them: secrets still wrapped, unknowns as the SDK's unknown value. */
  readonly inputs: Record<string, unknown>;
  state?: Record<string, unknown>;
  /** Position in the sequence of mock events when the registration reached the mocks. */
  readonly started: number;
  /** Position when its result was handed back (the resource then exists and its URN resolves). */
  finished?: number;
  error?: string;
}

/** What the SDK sent to the engine with one registration, as seen by the resource monitor. */
export interface MonitorRequest {
  readonly type: string;
  readonly name: string;
  readonly dependencies: string[];
  urn?: string;
}

export interface ExampleMocksOptions {
  /** A preview (dry run) or an update. */
  readonly preview: boolean;
  /** `properties.vaultUri` the Key Vault reports; unknown when absent (a vault not created yet). */
  readonly vaultUri?: string;
  /** How long creating the migration identity's role assignment takes. */
  readonly migrationRoleDelayMs: number;
}

/**
 * The example stack's mocks: azure-native as in {@link AzureNativeMocks} (the vault's URI and the
 * migration role assignment's timing set by the test), components as the engine registers them,
 * and the dynamic resources as described at the top of this file.
 */
export class ExampleStackMocks implements pulumi.runtime.Mocks {
  readonly registrations: Registration[] = [];
  readonly requests: MonitorRequest[] = [];
  /** Rejections nobody handled while attached: how a failing apply (e.g. the program's plan) surfaces under mocks. */
  readonly programErrors: string[] = [];
  private seq = 0;
  private inFlight = 0;
  private readonly azure = new AzureNativeMocks({ subscriptionId: SUBSCRIPTION, tenantId: TENANT });

  constructor(private readonly options: ExampleMocksOptions) {}

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    return this.azure.call(args);
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
    const r: Registration = { type: args.type, name: args.name, custom: args.custom === true, inputs: args.inputs as Record<string, unknown>, started: ++this.seq };
    this.registrations.push(r);
    this.inFlight++;
    try {
      const result = await this.result(args, r.inputs);
      r.state = result.state;
      return result;
    } catch (e) {
      r.error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      r.finished = ++this.seq;
      this.inFlight--;
    }
  }

  private async result(args: pulumi.runtime.MockResourceArgs, inputs: Record<string, unknown>): Promise<pulumi.runtime.MockResourceResult> {
    if (args.custom !== true) return { id: undefined, state: {} }; // a component: nothing to create
    if (isDynamic(args.type)) return this.options.preview ? previewOfCreate(inputs) : runProvider(inputs);
    const result = this.azure.newResource(args);
    if (args.type === "azure-native:keyvault:Vault") {
      const properties = { ...(result.state.properties as Record<string, unknown>), vaultUri: this.options.vaultUri ?? UNKNOWN };
      return { id: result.id, state: { ...result.state, properties } };
    }
    if (isMigrationRoleAssignment(args.type, inputs)) await new Promise((r) => setTimeout(r, this.options.migrationRoleDelayMs));
    return result;
  }

  /** Registrations of one type (and name). */
  find(type: string, name?: string): Registration[] {
    return this.registrations.filter((r) => r.type === type && (name === undefined || r.name === name));
  }

  /** Registrations of dynamic resources, of any class. */
  dynamic(): Registration[] {
    return this.registrations.filter((r) => isDynamic(r.type));
  }

  one(type: string, name?: string): Registration {
    const found = this.find(type, name);
    if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` ${name}` : ""}, got ${found.length} (seen: ${this.registrations.map((r) => `${r.type} ${r.name}`).join(", ")})`);
    return found[0];
  }

  /** The migration identity's role assignment (Key Vault Secrets Officer). */
  migrationRoleAssignment(): Registration {
    const found = this.registrations.filter((r) => isMigrationRoleAssignment(r.type, r.inputs));
    if (found.length !== 1) throw new Error(`expected one Key Vault Secrets Officer role assignment, got ${found.length}`);
    return found[0];
  }

  /** Resolves once `done()` holds (checked every 50 ms); fails after `timeoutMs` or on a failed registration. */
  async until(what: string, done: () => boolean, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const bad = this.registrations.find((r) => r.error);
      if (bad) throw new Error(`waiting for ${what}: ${bad.type} ${bad.name} failed: ${bad.error}`);
      if (this.programErrors.length) throw new Error(`waiting for ${what}: the program failed: ${this.programErrors[0]}`);
      if (Date.now() > deadline) throw new Error(`waiting for ${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves once no registration is in flight and none has started for `quietMs`. */
  async settled(quietMs = 200, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    while (this.inFlight > 0 || last !== this.seq) {
      if (Date.now() > deadline) throw new Error(`registrations did not settle within ${timeoutMs} ms (${this.inFlight} in flight)`);
      last = this.seq;
      await new Promise((r) => setTimeout(r, quietMs));
    }
  }

  private readonly onRejection = (reason: unknown): void => {
    this.programErrors.push(reason instanceof Error ? reason.message : String(reason));
  };

  /** Starts recording: the monitor's requests (call after setMocks) and unhandled rejections. */
  attach(): void {
    this.recordRequests();
    process.on("unhandledRejection", this.onRejection);
  }

  /** Stops listening for unhandled rejections. */
  detach(): void {
    process.removeListener("unhandledRejection", this.onRejection);
  }

  /** Records, on the mock resource monitor, what every registration request carried. */
  private recordRequests(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as RecordableMonitor | undefined;
    if (!monitor) throw new Error("no resource monitor: call setMocks first");
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      const entry: MonitorRequest = { type: req.getType(), name: req.getName(), dependencies: req.getDependenciesList() };
      this.requests.push(entry);
      return register(req, (err, res) => {
        if (res) entry.urn = res.getUrn();
        callback(err, res);
      });
    };
  }
}

/** The slice of the resource monitor's registerResource this file looks at. */
interface RecordableMonitor {
  registerResource(
    req: { getType(): string; getName(): string; getDependenciesList(): string[] },
    callback: (err: unknown, res: { getUrn(): string } | undefined) => void,
  ): unknown;
}

function isMigrationRoleAssignment(type: string, inputs: Record<string, unknown>): boolean {
  return type === "azure-native:authorization:RoleAssignment" && String(inputs.roleDefinitionId).endsWith(`/${SECRETS_OFFICER_ROLE}`);
}

/** What the engine answers in the preview of a create: the inputs, and every computed output unknown. */
function previewOfCreate(inputs: Record<string, unknown>): pulumi.runtime.MockResourceResult {
  const state: Record<string, unknown> = { ...inputs };
  for (const k of COMPUTED_OUTPUTS) if (!(k in state)) state[k] = UNKNOWN;
  return { id: undefined, state };
}

/**
 * What the engine does in an update for a dynamic resource: the provider (the serialized `__provider`
 * input) checks and creates it, in a plain node process, with the inputs as a provider receives them
 * (secrets unwrapped); its `{id, outs}` becomes the resource's state (with `__provider`, as the host adds).
 */
async function runProvider(inputs: Record<string, unknown>): Promise<pulumi.runtime.MockResourceResult> {
  const news = unwrapSecrets(inputs) as Record<string, unknown>;
  const provider = news.__provider;
  if (typeof provider !== "string") throw new Error("dynamic resource without a serialized __provider");
  let checked = news;
  const check = await callProvider(provider, "check", [{}, news]);
  if (check.ok) {
    const result = check.value as pulumi.dynamic.CheckResult;
    if (result.failures?.length) throw new Error(`check failed: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    checked = { ...(result.inputs as Record<string, unknown>), __provider: provider };
  } else if (!check.missing) {
    throw new Error(`check failed: ${check.error}`);
  }
  const created = await callProvider(provider, "create", [checked]);
  if (!created.ok) throw new Error(created.error);
  const { id, outs } = created.value as pulumi.dynamic.CreateResult;
  return { id, state: { ...(outs as Record<string, unknown>), __provider: provider } };
}

/** The stack program's exports (index.ts). */
export interface StackExports {
  readonly [name: string]: unknown;
}

export interface RunOptions {
  /** The stack's config map (`vault-migration:…` keys), objects as in the YAML. */
  readonly config: Record<string, unknown>;
  /** Set with `pulumi config set --secret` (values as strings). */
  readonly secretConfig: Record<string, string>;
  /** Environment while the program reads its settings; these keys are restored afterwards. */
  readonly env: Record<string, string | undefined>;
  readonly mocks: ExampleStackMocks;
  readonly preview: boolean;
}

/** Environment variables the program reads: cleared for the run unless given, so the shell's values cannot leak in. */
const PROGRAM_ENV = [
  "VAULT_ADDR",
  "VAULT_TOKEN",
  "VAULT_NAMESPACE",
  "VAULT_CACERT",
  "AZURE_KEYVAULT_URL",
  "AZURE_KEYVAULT_CA_FILE",
  "AZURE_KEYVAULT_ACCESS_TOKEN",
  "VAULT_MIGRATION_FINGERPRINT_KEY",
  "DESTINATION_VAULT_ADDR",
  "DESTINATION_VAULT_TOKEN",
  "PULUMI_CONFIG_SECRET_KEYS",
];

/**
 * Runs index.ts afresh (it is re-evaluated on every call) under the given mocks and configuration.
 * The mocks stay attached (recording unhandled rejections) until the caller calls `mocks.detach()`.
 */
export async function runExampleProgram(o: RunOptions): Promise<StackExports> {
  await pulumi.runtime.setMocks(o.mocks, "vault-migration", "azure-example", o.preview);
  o.mocks.attach();
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.config)) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(o.secretConfig)) config[`vault-migration:${k}`] = v;
  pulumi.runtime.setAllConfig(config, Object.keys(o.secretConfig).map((k) => `vault-migration:${k}`));
  const saved = new Map(PROGRAM_ENV.map((k) => [k, process.env[k]]));
  for (const k of PROGRAM_ENV) delete process.env[k];
  for (const [k, v] of Object.entries(o.env)) if (v !== undefined) process.env[k] = v;
  // What the language host passes a program: the keys set with --secret.
  process.env.PULUMI_CONFIG_SECRET_KEYS ??= JSON.stringify(Object.keys(o.secretConfig).map((k) => `vault-migration:${k}`));
  try {
    delete require.cache[require.resolve(PROGRAM)];
    return require(PROGRAM) as StackExports;
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The value of an output (resolves only once the output is known). */
export function valueOf<T>(output: unknown): Promise<T> {
  return new Promise((resolve) => pulumi.output(output as pulumi.Input<T>).apply((v) => resolve(v as T)));
}
