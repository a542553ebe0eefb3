// Provider-side helpers shared by the Vault dynamic providers. Kept tiny because the Pulumi closure
// serializer copies every local module a provider references into the `__provider` of each resource.
import type * as pulumi from "@pulumi/pulumi";
import type { VaultConnectionProps } from "./vaultResourceInputs";
import { VaultClient } from "../clients/vault/VaultClient";

/** Runs `fn` with a client for the resource's connection and always releases its connections. */
export async function withVault<T>(props: VaultConnectionProps, fn: (client: VaultClient) => Promise<T>): Promise<T> {
  const client = VaultClient.connect({ ...props.endpoint, auth: props.auth });
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
