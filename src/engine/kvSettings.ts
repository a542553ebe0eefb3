// A KV v2 secret's metadata settings, as the source inventory lists them. The plan carries them to
// the write, so a destination that copies them (Vault/OpenBao) need not ask the source for them
// again (one metadata GET per secret saved); `undefined` anywhere means "not known", never "default".

/** `max_versions` (0 = the mount's), `cas_required`, `delete_version_after` (Go duration, `0s` = never). */
export interface KvSettings {
  readonly maxVersions: number;
  readonly casRequired: boolean;
  readonly deleteVersionAfter: string;
}

/** What a secret without settings of its own has; one shared object, so 100,000 of them cost nothing. */
export const DEFAULT_KV_SETTINGS: KvSettings = Object.freeze({ maxVersions: 0, casRequired: false, deleteVersionAfter: "0s" });

export function isDefaultKvSettings(s: KvSettings): boolean {
  return s.maxVersions === 0 && !s.casRequired && s.deleteVersionAfter === "0s";
}

/** Compact text of non-default settings, e.g. `[5,true,"720h0m0s"]` (JSON: a duration needs no escaping rules of its own). */
export function encodeKvSettings(s: KvSettings): string {
  return JSON.stringify([s.maxVersions, s.casRequired, s.deleteVersionAfter]);
}

/** The inverse of {@link encodeKvSettings}; throws on anything it would not have written. */
export function decodeKvSettings(text: string): KvSettings {
  let v: unknown;
  try {
    v = JSON.parse(String(text));
  } catch {
    v = undefined;
  }
  if (!Array.isArray(v) || v.length !== 3 || !Number.isSafeInteger(v[0]) || (v[0] as number) < 0 || typeof v[1] !== "boolean" || typeof v[2] !== "string" || v[2] === "") {
    throw new Error(`not planned KV settings ([max_versions, cas_required, delete_version_after]): ${JSON.stringify(String(text).slice(0, 80))}`);
  }
  return { maxVersions: v[0] as number, casRequired: v[1], deleteVersionAfter: v[2] };
}
