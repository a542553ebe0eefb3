// Provider-side helpers shared by the Vault dynamic providers. Kept tiny because the Pulumi closure
// serializer copies every local module a provider references into the `__provider` of each resource.
import type * as pulumi from "@pulumi/pulumi";
import { toConnection, type VaultConnectionProps } from "./vaultResourceInputs";
import { VaultClient } from "../clients/vault/VaultClient";

/** Runs `fn` with a client for the resource's connection and always releases its connections. */
export async function withVault<T>(props: VaultConnectionProps, fn: (client: VaultClient) => Promise<T>): Promise<T> {
  const client = VaultClient.connect(toConnection(props));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Connection changes that point at another server or namespace mean another object: replace. */
export function endpointReplaces(olds: Partial<VaultConnectionProps>, news: VaultConnectionProps): string[] {
  const r: string[] = [];
  if ((olds.endpoint?.address ?? "").replace(/\/+$/, "") !== news.endpoint.address.replace(/\/+$/, "")) r.push("endpoint");
  else if ((olds.endpoint?.namespace ?? "") !== (news.endpoint.namespace ?? "")) r.push("endpoint");
  return r;
}

export function checkFailure(property: string, reason: string): pulumi.dynamic.CheckFailure {
  return { property, reason };
}

/** `read` is always given the prior state on refresh; fail clearly if it is not. */
export function requireProps<T>(props: T | undefined): T {
  if (!props) throw new Error("read was called without the resource's state");
  return props;
}

/** What a dynamic provider sees for an input not yet known at preview (@pulumi/pulumi's `unknownValue`). */
const UNKNOWN_INPUT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** An input not yet known at preview: its checks wait for `up`. */
export const isUnknownInput = (v: unknown): boolean => v === UNKNOWN_INPUT;

/** The refusal of an object of the same name that this stack did not create; `configKey` is the stack program's switch. */
export function notCreatedHere(what: string, configKey: string): string {
  return (
    `${what} already exists and was not created by this stack: set [adopt] true ` +
    `(stack config: vault-migration:${configKey}) to manage it from this stack and leave it in place on destroy, or choose another name`
  );
}

/**
 * At preview (`check`), a read-only look for an object a new resource would take over, so the
 * refusal shows before anything is written. Only for a resource not in the state yet, not adopting,
 * with every input known; when the look itself fails (network, permission) it says nothing:
 * `create` looks again before its first write and refuses there.
 */
export async function existsAtPreview(olds: object | undefined, news: { adopt?: boolean }, find: () => Promise<boolean>): Promise<boolean> {
  // `__provider` (this code, serialized) is among the inputs and holds the marker itself: not an input to look at.
  const unknown = Object.entries(news).some(([k, v]) => !k.startsWith("__") && JSON.stringify(v ?? null).includes(UNKNOWN_INPUT));
  if (Object.keys(olds ?? {}).length > 0 || news.adopt === true || unknown) return false;
  try {
    return await find();
  } catch {
    return false;
  }
}

/** `delete` of an adopted object: left in place, and the run says so. */
export function leaveAdopted(what: string): void {
  console.error(`${what} was adopted (it existed before this stack), so it is left in place`);
}
