// Warnings for connections that are allowed but unsafe: a plain `http://` address (tokens and values
// cross the network in clear text) or TLS verification turned off (the server's identity is not
// checked). They are allowed because local and throwaway servers need them; they are warned about
// in every preview and up so that such a setting never reaches production unnoticed.
import * as pulumi from "@pulumi/pulumi";

/** The non-secret parts of a connection that decide how it is protected in transit. */
export interface TransportFacts {
  readonly address?: string;
  readonly insecureSkipTlsVerify?: boolean;
}

/** The warnings for connection `name` (`source`, `destination`, `vault`…); none for a safe one. */
export function insecureTransportWarnings(name: string, t: TransportFacts): string[] {
  const warnings: string[] = [];
  const address = withoutUserinfo(typeof t.address === "string" ? t.address : "");
  // A loopback address never leaves the machine, so plain http there crosses no network (the demo
  // and the tests run on one); TLS verification turned off is warned about everywhere.
  if (/^http:\/\//i.test(address) && !isLoopback(address)) {
    warnings.push(`[${name}] connection to ${address} is not encrypted (http://): tokens and secret values cross the network in clear text; use https:// outside a local test`);
  }
  if (t.insecureSkipTlsVerify === true) {
    warnings.push(`[${name}] connection to ${address || "the server"} has TLS verification turned off (insecureSkipTlsVerify): the server's identity is not checked; give caCertFile instead`);
  }
  return warnings;
}

/** The address as it may be shown: a `user:password@` in it is dropped, never echoed. */
function withoutUserinfo(address: string): string {
  try {
    const u = new URL(address);
    if (!u.username && !u.password) return address;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return address.replace(/\/\/[^/@]*@/, "//");
  }
}

/** `localhost`, 127.0.0.0/8 or [::1]. */
function isLoopback(address: string): boolean {
  try {
    const host = new URL(address).hostname.toLowerCase();
    return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

/**
 * Logs {@link insecureTransportWarnings} under `resource` once the connection is known. Only the
 * address and the flag are read, never `auth`, so the message holds no secret even when the
 * connection is a Pulumi secret (the reader's connection is one).
 */
export function warnInsecureTransport<T extends object>(name: string, connection: pulumi.Input<T> | undefined, resource: pulumi.Resource): void {
  if (connection === undefined) return;
  const facts = pulumi.unsecret(
    pulumi.output(connection).apply((value): TransportFacts => {
      const c = (value ?? {}) as Record<string, unknown>;
      // `address`: Vault connections and specs; `vaultUrl`: the Key Vault spec.
      const address = typeof c.address === "string" ? c.address : c.vaultUrl;
      return { ...(typeof address === "string" ? { address } : {}), ...(c.insecureSkipTlsVerify === true ? { insecureSkipTlsVerify: true } : {}) };
    }),
  );
  facts.apply((t) => {
    for (const w of insecureTransportWarnings(name, t)) void pulumi.log.warn(w, resource);
  });
}
