// ScaiVault as a migration destination. Top-level imports only: this runs inside a serialized
// dynamic provider.
// Direct module imports, not the folder index: the serializer would carry the index's re-exports too.
import { isScaiVaultError } from "../../../clients/scaivault/errors";
import type { ScaiVaultPacing } from "../../../clients/scaivault/pacer";
import { ScaiVaultClient } from "../../../clients/scaivault/ScaiVaultClient";
import { contentFingerprint, fingerprintMatches, fullSourcePath, type DestinationEntry, type FingerprintKey, type SecretData } from "../../../engine";
import { namedError } from "../../../engine/errors";
import type { DestinationWrite, MigrationDestination } from "../../destination";
import { APPEARED_SINCE_PLANNING, appearedMessage, writtenByMigration } from "../../writes";
import { encodeScaiVaultMarkers, parseScaiVaultMarkers } from "./markers";
import { scaiVaultNaming } from "./naming";

export interface ScaiVaultDestinationOptions {
  readonly url: string;
  readonly token: string;
  readonly caCertPem?: string;
  readonly fingerprintKey: FingerprintKey;
  /** `secret_type` of the copies (default `json`, as seed 001). */
  readonly secretType?: string;
  /** Plain tags on every copy (default `["migrated-from-vault"]`). */
  readonly tags?: readonly string[];
  /** Description template; `{mount}`, `{path}` (default `Migrated from vault: {mount}/{path}`). */
  readonly description?: string;
  /** `options.max_versions` of the copies (default 10, as seed 001). */
  readonly maxVersions?: number;
  readonly pacing?: ScaiVaultPacing | false;
  readonly retry?: ConstructorParameters<typeof ScaiVaultClient>[0]["retry"];
}

export const SCAIVAULT_DEFAULTS = { secretType: "json", tags: ["migrated-from-vault"], description: "Migrated from vault: {mount}/{path}", maxVersions: 10 } as const;

function destinationError(name: string, code: string, message: string): Error & { code: string; secretName: string } {
  return namedError("ScaiVaultDestinationError", message, { code, secretName: name });
}

/** A proxy-mode backend's patterns (fact sheet §3: writes under them are rejected). */
interface ProxyPattern {
  readonly backend: string;
  readonly pattern: string;
  readonly re: RegExp;
}

/** `*` one segment, `**` any number (zero included), anchored (fact sheet §3). */
export function globRegExp(pattern: string): RegExp {
  const parts = pattern.split("/");
  let src = "";
  parts.forEach((seg, i) => {
    const sep = i === 0 ? "" : "/";
    if (seg === "**") src += i === parts.length - 1 ? `(?:${sep}.*)?` : `(?:${sep}.*?)?`;
    else src += sep + (seg === "*" ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  });
  return new RegExp(`^${src}$`);
}

/**
 * ScaiVault (fact sheet: shared/scaivault-api.md). Names are secret paths; each copy is one PUT
 * (`data` as read, `secret_type`, description, tags with the markers, `max_versions`). Every PUT
 * appends a version, so nothing here writes except `write`, once per call; planning reads only.
 *
 * Scopes: `secrets:list` + `secrets:read` (entries: list, then batch reads with metadata — the
 * value is read to tell a hand edit, in memory only), `secrets:write`, `secrets:delete` (remove),
 * `federation:read` (the proxy-mode mappings a write must stay out of).
 */
export function createScaiVaultDestination(o: ScaiVaultDestinationOptions): MigrationDestination {
  const client = new ScaiVaultClient({ url: o.url, token: o.token, ...(o.caCertPem ? { caCertPem: o.caCertPem } : {}), ...(o.pacing !== undefined ? { pacing: o.pacing } : {}), ...(o.retry ? { retry: o.retry } : {}) });
  const location = client.url;
  const key = o.fingerprintKey;
  const secretType = o.secretType ?? SCAIVAULT_DEFAULTS.secretType;
  const plainTags = o.tags ?? SCAIVAULT_DEFAULTS.tags;
  const template = o.description ?? SCAIVAULT_DEFAULTS.description;
  const maxVersions = o.maxVersions ?? SCAIVAULT_DEFAULTS.maxVersions;
  let proxies: Promise<ProxyPattern[]> | undefined;
  let loaded: ProxyPattern[] | undefined;

  const loadProxies = (): Promise<ProxyPattern[]> =>
    (proxies ??= client
      .listBackends()
      .then((list) => {
        loaded = list.filter((b) => b.mode === "proxy").flatMap((b) => Object.keys(b.path_mapping ?? {}).map((pattern) => ({ backend: b.name ?? b.id, pattern, re: globRegExp(pattern) })));
        return loaded;
      })
      .catch((e: unknown) => {
        proxies = undefined;
        if (isScaiVaultError(e, "insufficient_scope")) throw destinationError("", "SCOPE", `${location}: the token needs scope federation:read, to keep writes out of proxy-mode federation mappings (${(e as Error).message})`);
        throw e;
      }));

  const proxyProblem = (w: DestinationWrite): string | undefined => {
    const hit = loaded?.find((p) => p.re.test(w.name));
    return hit ? `${location}: '${w.name}' (from ${fullSourcePath(w.source)}) lies under federation backend ${hit.backend}'s proxy mapping "${hit.pattern}": ScaiVault rejects writes there` : undefined;
  };
  const nameProblem = (w: DestinationWrite): string | undefined =>
    scaiVaultNaming.isValid(w.name) ? undefined : `${location}: '${w.name}' (from ${fullSourcePath(w.source)}) is not a valid ScaiVault path (lowercase a-z 0-9 - _ /, at most 10 segments and 512 characters)`;
  const description = (w: DestinationWrite): string => template.replace(/\{mount\}/g, w.source.mount).replace(/\{path\}/g, w.source.path);

  return {
    kind: "scaivault",
    location,
    naming: scaiVaultNaming,
    shaping: { secretType, tags: [...plainTags], description: template, maxVersions },
    capabilities: async () => ({ softDelete: false, versions: true, checkAndSet: false, metadata: true, expiry: false }),

    prepare: async () => {
      await loadProxies();
    },

    entries: () => entriesOf(client, key, loadProxies),

    // A copy edited by hand keeps its tags (metadata left out of a PUT is kept) and is flagged by
    // `entries`; one whose tags were replaced reads as someone else's secret.
    inspectUnmarked: async (entry) => entry,

    validate(w) {
      const bad = nameProblem(w) ?? proxyProblem(w);
      if (bad) return bad;
      if (typeof w.data !== "object" || w.data === null || Array.isArray(w.data)) return `${location}: secret '${w.name}': the source value is not a key/value map`;
      return undefined;
    },

    async write(w) {
      const bad = nameProblem(w);
      if (bad) throw destinationError(w.name, "INVALID_NAME", bad);
      await loadProxies();
      const proxied = proxyProblem(w);
      if (proxied) throw destinationError(w.name, "PROXIED", proxied);
      // Planned as a create: someone else's secret that appeared since planning is not overwritten.
      // Refused before the PUT, which would append a version to it: one read (no metadata-only
      // read exists), on creates only.
      if (w.expectAbsent) {
        const there = await client.getSecret(w.name);
        if (there && !writtenByMigration(parseScaiVaultMarkers(there.metadata?.tags), w.migrationId)) throw destinationError(w.name, APPEARED_SINCE_PLANNING, appearedMessage(location, w.name));
      }
      const encoded = encodeScaiVaultMarkers({ secret: w.source, fingerprint: w.fingerprint, mappingHash: w.mappingHash, migrationId: w.migrationId, plainTags });
      try {
        await client.putSecret(w.name, { data: w.data, secret_type: secretType, metadata: { description: description(w), tags: encoded.tags }, options: { max_versions: maxVersions } });
      } catch (e) {
        if (!isScaiVaultError(e, "secret_exists")) throw e;
        throw destinationError(w.name, "SOFT_DELETED", `${location}: '${w.name}' was deleted and is still retained, so it cannot be written again until its retention ends (${(e as Error).message})`);
      }
      return { warnings: encoded.warnings.map((x) => `${location}: secret '${w.name}': ${x.message}`) };
    },

    expectedFingerprint: (w) => contentFingerprint(key, w.data),

    async storedFingerprint(name) {
      if (!scaiVaultNaming.isValid(name)) return undefined;
      const s = await client.getSecret(name);
      return s ? contentFingerprint(key, s.data as SecretData) : undefined;
    },

    async remove(name) {
      if (!scaiVaultNaming.isValid(name)) return;
      await client.deleteSecret(name);
    },

    close: () => client.close(),
  };
}

/**
 * Every live secret with its parsed markers: the listing, then batch reads of 100 with metadata.
 * A marked copy whose value no longer matches its fingerprint marker was written over by hand.
 * A free generator: the closure serializer cannot re-create generator methods.
 */
async function* entriesOf(client: ScaiVaultClient, key: FingerprintKey, loadProxies: () => Promise<unknown>): AsyncGenerator<DestinationEntry> {
  // Loaded with the listing, so the preview's value checks know the proxy mappings.
  await loadProxies();
  let batch: string[] = [];
  const flush = async function* (): AsyncGenerator<DestinationEntry> {
    if (batch.length === 0) return;
    const r = await client.batchRead(batch, true);
    for (const path of batch) {
      const s = r.secrets[path];
      if (!s) continue; // deleted since listed
      const markers = parseScaiVaultMarkers(s.metadata?.tags);
      const handEdited = markers?.fingerprint !== undefined && !fingerprintMatches(markers.fingerprint, key, markers.sourcePath, s.data as SecretData);
      yield { name: path, markers, enabled: true, ...(handEdited ? { handEdited: true } : {}) };
    }
    batch = [];
  };
  for await (const item of client.listSecrets("")) {
    batch.push(item.path);
    if (batch.length >= 100) yield* flush();
  }
  yield* flush();
}
