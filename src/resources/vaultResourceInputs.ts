import * as pulumi from "@pulumi/pulumi";
import type { VaultAuth, VaultConnection, VaultEndpoint } from "../clients/vault/connection";
import { joinCa, splitCa } from "./caBundles";

/** A Vault connection as Pulumi inputs; `auth` holds the token or the AppRole secret_id. */
export interface VaultConnectionArgs {
  address: pulumi.Input<string>;
  namespace?: pulumi.Input<string>;
  caCertPem?: pulumi.Input<string>;
  insecureSkipTlsVerify?: pulumi.Input<boolean>;
  auth: pulumi.Input<VaultAuth>;
}

/**
 * What a Vault dynamic resource stores: the endpoint in the clear (a CA bundle shown as its
 * `caCertSha256`), the credentials and the CA bundle itself as Pulumi secrets.
 */
export interface VaultConnectionProps {
  endpoint: VaultEndpoint & { caCertSha256?: string };
  auth: VaultAuth;
  /** The endpoint's PEM bundle, kept out of the diff (see caBundles.ts); state written before keeps it in `endpoint`. */
  caBundle?: string;
}

/**
 * Splits a connection into a plain endpoint (so diffs show the address) and a secret `auth`
 * (so the token or secret_id is encrypted in state even when the user passed a plain string).
 */
export function vaultConnectionInputs(conn: pulumi.Input<VaultConnectionArgs>): {
  endpoint: pulumi.Output<VaultEndpoint>;
  auth: pulumi.Output<VaultAuth>;
} {
  const all = pulumi.output(conn);
  // Only non-secret fields are taken here, so dropping the secret flag is safe.
  const endpoint = pulumi.unsecret(
    all.apply((c): VaultEndpoint => {
      const e: VaultEndpoint = { address: c.address };
      if (c.namespace) e.namespace = c.namespace;
      if (c.caCertPem) e.caCertPem = c.caCertPem;
      if (c.insecureSkipTlsVerify) e.insecureSkipTlsVerify = true;
      return e;
    }),
  );
  return { endpoint, auth: pulumi.secret(all.apply((c) => c.auth)) };
}

/**
 * {@link vaultConnectionInputs} for a Vault resource: the CA bundle leaves the shown endpoint (its
 * SHA-256 stays, so the diff says when it changed) for a secret `caBundle` input.
 */
export function vaultResourceConnection(conn: pulumi.Input<VaultConnectionArgs>): {
  endpoint: pulumi.Output<VaultEndpoint & { caCertSha256?: string }>;
  auth: pulumi.Output<VaultAuth>;
  caBundle: pulumi.Output<string | undefined>;
} {
  const { endpoint, auth } = vaultConnectionInputs(conn);
  const split = endpoint.apply((e) => splitCa(e));
  return { endpoint: split.apply((x) => x.shown), auth, caBundle: pulumi.secret(split.apply((x) => x.pem)) };
}

/** The plain connection a provider method builds its client from. */
export function toConnection(props: VaultConnectionProps): VaultConnection {
  return { ...joinCa(props.endpoint, props.caBundle), auth: props.auth };
}

/** Properties a Vault resource keeps secret in state, for `additionalSecretOutputs`. */
export const vaultSecretOutputs = ["auth", "caBundle"];
