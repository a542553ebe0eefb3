import { configuredPathProblem } from "../../engine/paths";

/** How to reach a Vault/OpenBao server. Shared by every Vault-facing resource. */
export interface VaultEndpoint {
  /** Base URL, e.g. `https://vault.example.com:8200`. */
  address: string;
  /** Vault Enterprise / OpenBao namespace the calls run in (`X-Vault-Namespace`). */
  namespace?: string;
  /** PEM bundle to trust for the server's certificate, in addition to nothing else: it replaces the default CAs. */
  caCertPem?: string;
  /** Turns TLS verification off. Off by default; only for throwaway servers. */
  insecureSkipTlsVerify?: boolean;
}

/** How to authenticate. Both variants are Pulumi secrets wherever they are stored. */
export type VaultAuth =
  | { method: "token"; token: string }
  | { method: "approle"; roleId: string; secretId: string; /** default `approle` */ mount?: string; /** namespace the role lives in, if not the endpoint's */ namespace?: string };

export interface VaultConnection extends VaultEndpoint {
  auth: VaultAuth;
}

/** Validates a connection without any network call; returns the problems, each naming its property. */
export function validateVaultConnection(conn: Partial<VaultConnection> | undefined, prefix = "connection"): string[] {
  const problems: string[] = [];
  if (!conn) return [`[${prefix}] is required`];
  if (!conn.address) {
    problems.push(`[${prefix}.address] is required`);
  } else {
    try {
      const u = new URL(conn.address);
      if (u.protocol !== "https:" && u.protocol !== "http:") problems.push(`[${prefix}.address] must be an http(s) URL, got ${u.protocol}`);
    } catch {
      problems.push(`[${prefix}.address] is not a URL: ${conn.address}`);
    }
  }
  const auth = conn.auth;
  if (!auth) {
    problems.push(`[${prefix}.auth] is required (a token or an AppRole role_id + secret_id)`);
  } else if (auth.method === "token") {
    if (!auth.token) problems.push(`[${prefix}.auth.token] is empty`);
  } else if (auth.method === "approle") {
    if (!auth.roleId) problems.push(`[${prefix}.auth.roleId] is empty`);
    if (!auth.secretId) problems.push(`[${prefix}.auth.secretId] is empty`);
    if (auth.mount !== undefined) {
      const mountProblem = configuredPathProblem(auth.mount, true);
      if (mountProblem) problems.push(`[${prefix}.auth.mount] ${mountProblem}`);
    }
  } else {
    problems.push(`[${prefix}.auth.method] must be "token" or "approle"`);
  }
  return problems;
}
