import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { isRestError, type RestError } from "@azure/keyvault-secrets";
import type { KeyVaultDouble } from "./server";

/** For the few requests the SDK cannot make (no token, raw bodies) or whose wire form a test inspects. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export function rawRequest(
  double: Pick<KeyVaultDouble, "vaultUrl" | "caCertPem">,
  method: string,
  path: string,
  /** `ca: null` trusts only the default store (to show the double's certificate is refused there). */
  opts: { token?: string; body?: string; ca?: string | null } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(opts.body));
  }
  return new Promise((resolve, reject) => {
    // agent:false: one connection per call, so nothing is left open for stop() to cut.
    const req = request(new URL(path, double.vaultUrl), { method, headers, agent: false, ...(opts.ca === null ? {} : { ca: opts.ca ?? double.caCertPem }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The RestError a call rejects with; throws if it resolves or rejects with something else. */
export async function restErrorOf(p: Promise<unknown>): Promise<RestError> {
  let outcome: unknown;
  try {
    outcome = await p;
  } catch (e) {
    if (isRestError(e)) return e;
    throw e;
  }
  throw new Error(`expected a RestError, but the call succeeded with ${JSON.stringify(outcome)}`);
}

/** `innererror.code` as the SDK exposes it on `RestError.details`. */
export function innerErrorCode(e: RestError): string | undefined {
  const details = e.details as { error?: { innerError?: { code?: string } } } | undefined;
  return details?.error?.innerError?.code;
}
