import { SecretClient, type SecretClientOptions } from "@azure/keyvault-secrets";
import { staticTokenCredential } from "./credential";
import type { Right } from "./routes";
import type { KeyVaultDouble } from "./server";

export interface DoubleClientOptions {
  /** Token to send. Default: a new token with `rights`. */
  token?: string;
  /** Rights of the token made when `token` is absent. Default: all. */
  rights?: readonly Right[];
  /** Default `{ maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 }`: the SDK's own backoff (up to 64 s) would stall tests. */
  retryOptions?: SecretClientOptions["retryOptions"];
  serviceVersion?: SecretClientOptions["serviceVersion"];
}

/**
 * A real `SecretClient` pointed at the double: trusts only the double's CA (fact sheet §9) and skips
 * the challenge-resource check that a non-`vault.azure.net` host would fail (§5).
 */
export function doubleSecretClient(double: KeyVaultDouble, opts: DoubleClientOptions = {}): SecretClient {
  const token = opts.token ?? double.issueToken(opts.rights);
  const options: SecretClientOptions = {
    tlsOptions: { ca: double.caCertPem },
    disableChallengeResourceVerification: true,
    retryOptions: opts.retryOptions ?? { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 },
  };
  if (opts.serviceVersion !== undefined) options.serviceVersion = opts.serviceVersion;
  return new SecretClient(double.vaultUrl, staticTokenCredential(token), options);
}
