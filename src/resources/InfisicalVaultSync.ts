import * as pulumi from "@pulumi/pulumi";
import { runDeclarations } from "./runDeclarations";
import { moduleReference } from "./byReference";
import { ProviderByReference } from "./providerByReference";
import { INFISICAL_SLUG, infisicalSiteFailures, withInfisical, type InfisicalSiteArgs, type InfisicalSiteProps } from "./infisicalProviderSupport";
import { syncTargetOverlaps, type SyncTarget } from "./infisicalSyncTargets";
import { checkFailure, isUnknownInput, requireProps } from "./vaultProviderSupport";
import type { InitialSyncBehavior, VaultSecretSync, VaultSyncCreate } from "../clients/infisical/vaultSync";

export interface InfisicalVaultSyncArgs {
  infisical: pulumi.Input<InfisicalSiteArgs>;
  /** The sync's name in Infisical: a slug. */
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** The project (id). A change replaces the sync. */
  projectId: pulumi.Input<string>;
  /** Source: the environment's slug and the folder (`/`, `/app`), which must exist. */
  environment: pulumi.Input<string>;
  secretPath?: pulumi.Input<string>;
  /** An InfisicalVaultConnection's connectionId. */
  connectionId: pulumi.Input<string>;
  /** Destination: the KV mount and the secret's path in it; all synced keys land in that one secret. */
  mount: pulumi.Input<string>;
  path: pulumi.Input<string>;
  /** Default `overwrite-destination` (with deletion disabled by default it deletes nothing). */
  initialSyncBehavior?: pulumi.Input<InitialSyncBehavior>;
  /** e.g. `INFISICAL_{{secretKey}}`: the Vault keys this sync owns; keys outside it are never touched. */
  keySchema?: pulumi.Input<string>;
  /** Default true: Infisical syncs on every change of the source folder. */
  autoSync?: pulumi.Input<boolean>;
  /** Default TRUE (Infisical's is false): the sync never deletes a key in Vault. */
  disableSecretDeletion?: pulumi.Input<boolean>;
  /** Any change runs the sync now (manual sync; with autoSync off, the only way it runs). */
  trigger?: pulumi.Input<string>;
  /** On delete, take the synced keys out of Vault first. Default false: they stay. */
  removeSecretsOnDelete?: pulumi.Input<boolean>;
  /** Bound of the wait for a sync to end, seconds. Default 120. */
  waitSeconds?: pulumi.Input<number>;
}

interface SyncProps extends InfisicalSiteProps {
  name: string;
  description: string;
  projectId: string;
  environment: string;
  secretPath: string;
  connectionId: string;
  mount: string;
  path: string;
  initialSyncBehavior: InitialSyncBehavior;
  keySchema: string;
  autoSync: boolean;
  disableSecretDeletion: boolean;
  trigger: string;
  removeSecretsOnDelete: boolean;
  waitSeconds: number;
  /** Outputs: Infisical's id and the last sync's status, message and time. */
  syncId?: string;
  syncStatus?: string;
  lastSyncMessage?: string;
  lastSyncedAt?: string;
}

const BEHAVIORS: readonly string[] = ["overwrite-destination", "import-prioritize-source", "import-prioritize-destination"];
const VAULT_PATH = /^([a-zA-Z0-9._-]+\/)*[a-zA-Z0-9._-]+$/;

function body(p: SyncProps): VaultSyncCreate {
  return {
    name: p.name,
    projectId: p.projectId,
    connectionId: p.connectionId,
    environment: p.environment,
    secretPath: p.secretPath,
    isAutoSyncEnabled: p.autoSync,
    ...(p.description ? { description: p.description } : {}),
    syncOptions: { initialSyncBehavior: p.initialSyncBehavior, ...(p.keySchema ? { keySchema: p.keySchema } : {}), disableSecretDeletion: p.disableSecretDeletion },
    destinationConfig: { mount: p.mount, path: p.path },
  };
}

/** The outputs from Infisical's answer; a sync that failed is said on stderr (the run's diagnostics). */
function statusOuts(p: SyncProps, s: VaultSecretSync | undefined): SyncProps {
  const out = { ...p, syncStatus: s?.syncStatus ?? "", lastSyncMessage: s?.lastSyncMessage ?? "", lastSyncedAt: s?.lastSyncedAt ?? "" };
  if (s?.syncStatus === "failed") console.error(`Infisical sync "${p.name}" into Vault ${p.mount}/${p.path} failed: ${s.lastSyncMessage ?? "no message"}`);
  else if (s && s.syncStatus !== "succeeded" && s.syncStatus !== null) console.error(`Infisical sync "${p.name}" is still ${s.syncStatus} after ${p.waitSeconds} s; its outputs show the status then (refresh reads it again)`);
  return out;
}

/** Needs an Infisical identity allowed to manage the project's secret syncs. */
export class InfisicalVaultSyncProvider implements pulumi.dynamic.ResourceProvider<SyncProps, SyncProps> {
  async check(_olds: SyncProps, news: SyncProps): Promise<pulumi.dynamic.CheckResult<SyncProps>> {
    const failures = infisicalSiteFailures(news);
    const known = (v: unknown): boolean => !isUnknownInput(v);
    if (!INFISICAL_SLUG.test(news.name ?? "") || news.name.length > 256) failures.push(checkFailure("name", `[name] must be a slug ([a-z0-9-]): "${news.name}"`));
    if (!news.projectId) failures.push(checkFailure("projectId", "[projectId] is required"));
    if (!news.connectionId) failures.push(checkFailure("connectionId", "[connectionId] is required (an InfisicalVaultConnection's connectionId)"));
    if (known(news.environment) && !/^[a-z0-9-]{1,64}$/.test(news.environment ?? "")) failures.push(checkFailure("environment", `[environment] must be an environment slug ([a-z0-9-], ≤ 64): "${news.environment}"`));
    if (known(news.secretPath) && !/^\/([a-zA-Z0-9-_]+\/?)*$/.test(news.secretPath)) failures.push(checkFailure("secretPath", `[secretPath] must be a folder path such as / or /app: "${news.secretPath}"`));
    if (known(news.mount) && (!news.mount || news.mount.length > 128)) failures.push(checkFailure("mount", "[mount] must be 1-128 characters"));
    if (known(news.path) && (!VAULT_PATH.test(news.path ?? "") || news.path.length > 128)) failures.push(checkFailure("path", `[path] must be a Vault path of at most 128 characters (segments of a-z A-Z 0-9 . _ -, no leading or trailing /): "${news.path}"`));
    if (!BEHAVIORS.includes(news.initialSyncBehavior)) failures.push(checkFailure("initialSyncBehavior", `[initialSyncBehavior] must be one of ${BEHAVIORS.join(", ")}`));
    if (known(news.keySchema) && news.keySchema && !news.keySchema.includes("{{secretKey}}")) failures.push(checkFailure("keySchema", `[keySchema] must contain {{secretKey}}: "${news.keySchema}"`));
    if (!(news.waitSeconds >= 1 && news.waitSeconds <= 900)) failures.push(checkFailure("waitSeconds", "[waitSeconds] must be 1-900"));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: SyncProps, news: SyncProps): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = [];
    if (olds.siteUrl !== news.siteUrl) replaces.push("infisical");
    if (olds.projectId !== news.projectId) replaces.push("projectId");
    const keys = ["name", "description", "environment", "secretPath", "connectionId", "mount", "path", "initialSyncBehavior", "keySchema", "autoSync", "disableSecretDeletion", "trigger", "removeSecretsOnDelete", "waitSeconds"] as const;
    const changes = replaces.length > 0 || keys.some((k) => olds[k] !== news[k]) || JSON.stringify(olds.auth) !== JSON.stringify(news.auth);
    return { changes, replaces, deleteBeforeReplace: olds.name === news.name && replaces.length > 0 };
  }

  async create(inputs: SyncProps): Promise<pulumi.dynamic.CreateResult<SyncProps>> {
    return withInfisical(inputs, async (c) => {
      const s = await c.createVaultSync(body(inputs));
      // Auto-sync runs at once; without it only a trigger runs it.
      const run = inputs.autoSync || (inputs.trigger ? await c.triggerVaultSync(s.id) : undefined);
      const done = run ? await c.waitForVaultSync(s.id, { timeoutMs: inputs.waitSeconds * 1000 }) : s;
      return { id: s.id, outs: statusOuts({ ...inputs, syncId: s.id }, done) };
    });
  }

  async read(id: string, current?: SyncProps): Promise<pulumi.dynamic.ReadResult<SyncProps>> {
    const p = requireProps(current);
    const s = await withInfisical(p, (c) => c.getVaultSync(id));
    if (!s) return {};
    // Edits made in Infisical's UI show in the next diff.
    const props: SyncProps = {
      ...p,
      name: s.name,
      description: s.description ?? "",
      connectionId: s.connectionId,
      environment: s.environment ?? p.environment,
      secretPath: s.secretPath ?? p.secretPath,
      mount: s.destinationConfig.mount,
      path: s.destinationConfig.path,
      initialSyncBehavior: s.syncOptions.initialSyncBehavior,
      keySchema: s.syncOptions.keySchema ?? "",
      autoSync: s.isAutoSyncEnabled,
      disableSecretDeletion: s.syncOptions.disableSecretDeletion === true,
      syncStatus: s.syncStatus ?? "",
      lastSyncMessage: s.lastSyncMessage ?? "",
      lastSyncedAt: s.lastSyncedAt ?? "",
    };
    return { id, props };
  }

  async update(id: string, olds: SyncProps, news: SyncProps): Promise<pulumi.dynamic.UpdateResult<SyncProps>> {
    return withInfisical(news, async (c) => {
      const keys = ["name", "description", "environment", "secretPath", "connectionId", "mount", "path", "initialSyncBehavior", "keySchema", "autoSync", "disableSecretDeletion"] as const;
      const patched = keys.some((k) => olds[k] !== news[k]);
      const { projectId: _p, ...patch } = body(news);
      const before = patched ? await c.updateVaultSync(id, patch) : await c.getVaultSync(id);
      // An auto-synced sync runs after an update; a changed trigger runs it now.
      const triggered = news.trigger !== olds.trigger && news.trigger !== "";
      if (triggered) await c.triggerVaultSync(id);
      const run = triggered || (patched && news.autoSync);
      const done = run ? await c.waitForVaultSync(id, { timeoutMs: news.waitSeconds * 1000 }) : before;
      return { outs: run || patched ? statusOuts({ ...news, syncId: id }, done) : { ...news, syncId: id, syncStatus: olds.syncStatus ?? "", lastSyncMessage: olds.lastSyncMessage ?? "", lastSyncedAt: olds.lastSyncedAt ?? "" } };
    });
  }

  async delete(id: string, props: SyncProps): Promise<void> {
    await withInfisical(props, (c) => c.deleteVaultSync(id, props.removeSecretsOnDelete));
  }
}

/** Registers a sync's target; throws (before the sync is registered) when it overlaps one declared before in this run. */
export function declareSyncTarget(t: SyncTarget): void {
  // The other syncs of this program run (an Automation API process runs programs again and again).
  const declared = runDeclarations<SyncTarget>("infisical-sync-target");
  const problems = syncTargetOverlaps([...declared, t]);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  declared.push(t);
}

/**
 * Infisical's HashiCorp Vault secret sync (seed 004): a folder of an Infisical environment kept in
 * one Vault KV secret. Safer defaults than Infisical's: deletion disabled unless set, and two syncs
 * of the program into one mount/path refused unless their key schemas keep their keys apart. After
 * each create, update or trigger the sync is waited on (bounded) and its status is an output.
 */
export class InfisicalVaultSync extends pulumi.dynamic.Resource {
  declare readonly syncId: pulumi.Output<string>;
  declare readonly syncStatus: pulumi.Output<string>;
  declare readonly lastSyncMessage: pulumi.Output<string>;
  declare readonly lastSyncedAt: pulumi.Output<string>;

  constructor(name: string, args: InfisicalVaultSyncArgs, opts?: pulumi.CustomResourceOptions) {
    const target = { mount: args.mount, path: args.path, environment: args.environment, keySchema: args.keySchema ?? "" };
    const plain = Object.values(target).every((v) => typeof v === "string");
    // Plain values are checked now, before anything is registered; outputs when they resolve.
    if (plain) declareSyncTarget({ label: name, ...(target as { mount: string; path: string; environment: string; keySchema: string }) });
    else pulumi.all([args.mount, args.path, args.environment, args.keySchema ?? ""]).apply(([mount, path, environment, keySchema]) => declareSyncTarget({ label: name, mount, path, environment, keySchema }));
    const site = pulumi.output(args.infisical);
    super(
      // By reference: the provider and its client stay out of the state (see byReference.ts).
      new ProviderByReference<SyncProps, SyncProps>(moduleReference(__filename), "InfisicalVaultSyncProvider"),
      name,
      {
        siteUrl: pulumi.unsecret(site.apply((s) => s.siteUrl)),
        auth: pulumi.secret(site.apply((s) => s.auth)),
        caCertPem: pulumi.unsecret(site.apply((s) => s.caCertPem ?? "")),
        name: args.name,
        description: args.description ?? "",
        projectId: args.projectId,
        environment: args.environment,
        secretPath: args.secretPath ?? "/",
        connectionId: args.connectionId,
        mount: args.mount,
        path: args.path,
        initialSyncBehavior: args.initialSyncBehavior ?? "overwrite-destination",
        keySchema: args.keySchema ?? "",
        autoSync: args.autoSync ?? true,
        disableSecretDeletion: args.disableSecretDeletion ?? true,
        trigger: args.trigger ?? "",
        removeSecretsOnDelete: args.removeSecretsOnDelete ?? false,
        waitSeconds: args.waitSeconds ?? 120,
        syncId: undefined,
        syncStatus: undefined,
        lastSyncMessage: undefined,
        lastSyncedAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["auth"] }),
      "vault-migration",
      "InfisicalVaultSync",
    );
  }
}
