// What the ScaiVault resources' providers share: a client for one call, closed after it.
import { ScaiVaultClient } from "../clients/scaivault/ScaiVaultClient";

/** The connection fields both resources store (the token is a Pulumi secret). */
export interface ScaiVaultConnectionProps {
  url: string;
  token: string;
  caCertPem?: string;
}

export async function withScaiVault<T>(p: ScaiVaultConnectionProps, fn: (c: ScaiVaultClient) => Promise<T>): Promise<T> {
  const c = new ScaiVaultClient({ url: p.url, token: p.token, ...(p.caCertPem ? { caCertPem: p.caCertPem } : {}) });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}
