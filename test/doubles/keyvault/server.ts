import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { KvHttpError, kvErrors } from "./errors";
import { Persister, loadState } from "./persist";
import { OPERATIONS, RBAC_ACTION, REQUIRED_RIGHT, RIGHTS, TAKES_BODY, route, type OperationName, type Right, type Route } from "./routes";
import { SecretStore, parseRestoreBody, type Page } from "./store";
import { loadOrCreateTls } from "./tls";
import { FaultInjector, Throttle, type FaultPlan, type ThrottleOptions } from "./traffic";

export interface KeyVaultDoubleOptions {
  /** TCP port on 127.0.0.1. Default 0: a free port. */
  port?: number;
  /** Host name in `vaultUrl` and in every id. The server listens on 127.0.0.1 either way. Default "127.0.0.1". */
  host?: "127.0.0.1" | "localhost";
  /** Keep secrets (and the CA and server certificate) in this directory between runs. Default: in memory. */
  persistDir?: string;
  /** Delay between a change and its save; 0 saves before the reply goes out. Default 50 ms. */
  persistDebounceMs?: number;
  /** How long a delete stays "in progress" (§6). Default 3,000 ms; the service took about 2–6 s. */
  deleteDelayMs?: number;
  /** How long GET stays 404 after a recover (§6). Default 3,000 ms; the service took about 6 s. */
  recoverDelayMs?: number;
  /** How long a purged name cannot be re-created (§8). Default 0. */
  purgeDelayMs?: number;
  /** Soft-delete retention, 7–90 days (§4). Default 90. */
  retentionDays?: number;
  /** Purge protection: purge answers 403 (§3). Default false. */
  purgeProtection?: boolean;
  /** Throughput limits (§4); `false` turns them off. Default 300 writes and 4,000 others per 10 s. */
  throttling?: ThrottleOptions | false;
  /** Faults from the first request on (see `setFaults`). Default none. */
  faults?: FaultPlan;
  /** Tenant named in the 401 challenge. Default a fixed test GUID. */
  tenantId?: string;
}

export type Counters = Record<OperationName | "unauthenticated", number>;

export interface KeyVaultDouble {
  /** `https://<host>:<port>`, no trailing slash. */
  readonly vaultUrl: string;
  readonly port: number;
  /** PEM of the CA that signed the server certificate; pass it as `tlsOptions: { ca }`. */
  readonly caCertPem: string;
  /** Path of the CA PEM when `persistDir` is set. */
  readonly caFile?: string;
  /** A new bearer token with these rights (default: all of RIGHTS). */
  /** A bearer token with these rights; `token` chooses its text (a demo keeps one across restarts). */
  issueToken(rights?: readonly Right[], token?: string): string;
  /** Later requests with this token get 401. */
  revokeToken(token: string): void;
  /** Requests per operation since start or the last reset, including those answered with an error or a fault; `unauthenticated` counts 401s. */
  counters(): Counters;
  /** Requests answered 429 by the service limits (not by injected faults) since start. */
  throttledCount(): number;
  resetCounters(): void;
  /** Replaces the fault plan (and restarts its sequence and PRNG). */
  setFaults(plan: FaultPlan): void;
  clearFaults(): void;
  /** Faults injected since start. */
  faultsInjected(): number;
  /** Replaces the throughput limits (and forgets the requests counted so far). */
  setThrottling(options: ThrottleOptions | false): void;
  /** Writes pending state now (no-op without persistence). */
  flush(): void;
  /** Closes every connection (keep-alive ones too), saves, and frees the port. Idempotent. */
  stop(): Promise<void>;
}

/** api-versions the SDKs send (fact sheet §1). */
const API_VERSIONS = new Set([
  "2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6-preview.1", "7.6-preview.2", "7.6", "2025-07-01", "2026-04-01",
]);
const MAX_BODY = 1024 * 1024;
const DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000d0b1";

interface Grant {
  rights: ReadonlySet<Right>;
  oid: string;
}

interface Reply {
  status: number;
  body?: unknown;
}

function zeroCounters(): Counters {
  const c = { unauthenticated: 0 } as Counters;
  for (const op of OPERATIONS) c[op] = 0;
  return c;
}

function nonNegativeInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return x;
}

export async function startKeyVaultDouble(opts: KeyVaultDoubleOptions = {}): Promise<KeyVaultDouble> {
  const retentionDays = opts.retentionDays ?? 90;
  if (!Number.isInteger(retentionDays) || retentionDays < 7 || retentionDays > 90) {
    throw new RangeError("retentionDays must be an integer from 7 to 90 (fact sheet §4)");
  }
  const tenantId = opts.tenantId ?? DEFAULT_TENANT;
  const tls = await loadOrCreateTls(opts.persistDir);
  const store = new SecretStore(
    {
      retentionDays,
      purgeProtection: opts.purgeProtection ?? false,
      deleteDelayMs: nonNegativeInt("deleteDelayMs", opts.deleteDelayMs, 3_000),
      recoverDelayMs: nonNegativeInt("recoverDelayMs", opts.recoverDelayMs, 3_000),
      purgeDelayMs: nonNegativeInt("purgeDelayMs", opts.purgeDelayMs, 0),
    },
    opts.persistDir === undefined ? undefined : loadState(opts.persistDir),
  );
  const persister =
    opts.persistDir === undefined
      ? undefined
      : new Persister(opts.persistDir, () => store.toJSON(), nonNegativeInt("persistDebounceMs", opts.persistDebounceMs, 50));
  if (persister) store.onChange = () => persister.markDirty();

  const tokens = new Map<string, Grant>();
  const throttle = new Throttle(opts.throttling ?? {});
  const faults = new FaultInjector();
  if (opts.faults) faults.set(opts.faults);
  let counts = zeroCounters();
  let throttledByLimits = 0;
  const challenge = `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`;

  function reply(res: ServerResponse, status: number, body?: unknown, headers: Readonly<Record<string, string>> = {}): void {
    if (res.headersSent || res.destroyed) return;
    const common: Record<string, string> = {
      "cache-control": "no-cache",
      "x-ms-request-id": randomUUID(),
      "x-ms-keyvault-region": "local",
      "x-ms-keyvault-service-version": "keyvault-double",
      ...headers,
    };
    if (body === undefined) {
      res.writeHead(status, common);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...common, "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)) });
    res.end(text);
  }

  /** §5: every 401 carries the challenge, so the SDK's auth policy can (re)acquire a token. */
  function unauthorized(res: ServerResponse, message: string): void {
    counts.unauthenticated++;
    reply(res, 401, { error: { code: "Unauthorized", message } }, { "WWW-Authenticate": challenge });
  }

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) throw kvErrors.tooLargeBody();
      chunks.push(chunk);
    }
    if (size === 0) return undefined;
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      throw kvErrors.badBody("The request body is not valid JSON.");
    }
  }

  function pageParams(url: URL): { max: number; after?: string } {
    const raw = url.searchParams.get("maxresults");
    let max = 25;
    if (raw !== null) {
      max = /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
      if (max < 1 || max > 25) throw kvErrors.badMaxResults();
    }
    const token = url.searchParams.get("$skiptoken");
    if (token === null) return { max };
    try {
      const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
      if (typeof parsed.after !== "string") throw new Error("no after");
      return { max, after: parsed.after };
    } catch {
      throw kvErrors.badSkipToken();
    }
  }

  /**
   * §2 "Lists": an absolute nextLink that keeps the request's api-version and maxresults. Every page
   * with items links on, so the last page is always `{"value":[],"nextLink":null}` as recorded; a
   * client must cope with that empty page (our choice where the recording does not say more).
   */
  function listReply(url: URL, page: Page): Reply {
    let nextLink: string | null = null;
    if (page.after !== undefined) {
      const token = Buffer.from(JSON.stringify({ after: page.after }), "utf8").toString("base64url");
      const max = url.searchParams.get("maxresults");
      const apiVersion = encodeURIComponent(url.searchParams.get("api-version") ?? "");
      nextLink = `${vaultUrl}${url.pathname}?api-version=${apiVersion}&$skiptoken=${token}${max === null ? "" : `&maxresults=${max}`}`;
    }
    return { status: 200, body: { value: page.items, nextLink } };
  }

  function execute(r: Route, body: unknown, url: URL): Reply {
    const name = r.name ?? "";
    const version = r.version ?? "";
    switch (r.op) {
      case "setSecret": return { status: 200, body: store.set(name, body) };
      case "getSecret": return { status: 200, body: store.get(name, version) };
      case "updateSecret": return { status: 200, body: store.update(name, version, body) };
      case "deleteSecret": return { status: 200, body: store.delete(name) };
      case "getDeletedSecret": return { status: 200, body: store.getDeleted(name) };
      case "purgeDeletedSecret": store.purge(name); return { status: 204 };
      case "recoverDeletedSecret": return { status: 200, body: store.recover(name) };
      case "backupSecret": return { status: 200, body: { value: store.backup(name) } };
      case "restoreSecret": return { status: 200, body: store.restore(parseRestoreBody(body)) };
      case "listSecrets": { const p = pageParams(url); return listReply(url, store.list(p.max, p.after)); }
      case "listSecretVersions": { const p = pageParams(url); return listReply(url, store.listVersions(name, p.max, p.after)); }
      case "listDeletedSecrets": { const p = pageParams(url); return listReply(url, store.listDeleted(p.max, p.after)); }
    }
  }

  /**
   * Order of checks: authentication (401 before anything, §5), api-version, route (400/404/405),
   * counting, injected faults, throughput limit, rights (403), then the operation.
   */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://double.invalid");
    const method = req.method ?? "GET";
    const auth = req.headers.authorization;
    if (auth === undefined) return unauthorized(res, "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token.");
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    const grant = bearer ? tokens.get(bearer[1] as string) : undefined;
    // Unverified text: the service's AKV100xx messages for bad tokens vary by cause.
    if (!grant) return unauthorized(res, "The bearer token was not issued for this Key Vault (unknown or revoked token).");

    const apiVersion = url.searchParams.get("api-version");
    if (apiVersion === null || !API_VERSIONS.has(apiVersion)) throw kvErrors.badApiVersion(apiVersion);
    const r = route(method, url.pathname);
    counts[r.op]++;

    const fault = faults.next(r.op);
    switch (fault) {
      case "drop": req.socket.destroy(); return;
      case "stall": return; // no answer, ever: stop() destroys the socket
      case "429": throw kvErrors.throttled(faults.retryAfterSeconds);
      case "429-bare": throw kvErrors.throttled();
      case "503": throw kvErrors.unavailable(faults.retryAfterSeconds);
      case "echo": {
        const sent = await readText(req);
        return replyText(res, 400, JSON.stringify({ message: `request rejected: ${sent}` }));
      }
      case "malformed":
      case undefined: break;
    }
    const retryAfter = throttle.admit(r.op);
    if (retryAfter !== undefined) {
      throttledByLimits++;
      throw kvErrors.throttled(retryAfter);
    }

    if (!grant.rights.has(REQUIRED_RIGHT[r.op])) {
      throw kvErrors.forbiddenByRbac({
        caller: `appid=keyvault-double;oid=${grant.oid};iss=https://sts.windows.net/${tenantId}/`,
        action: RBAC_ACTION[r.op],
        resource:
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/keyvault-double/providers/microsoft.keyvault/vaults/keyvault-double" +
          (r.name ? `/secrets/${r.name.toLowerCase()}` : ""),
        vault: "keyvault-double",
      });
    }
    const body = TAKES_BODY.has(r.op) ? await readJson(req) : undefined;
    const out = execute(r, body, url);
    if (fault === "malformed") {
      const text = out.body === undefined ? "{" : JSON.stringify(out.body);
      return replyText(res, out.status === 204 ? 200 : out.status, text.slice(0, Math.max(1, text.length - 2)));
    }
    reply(res, out.status, out.body);
  }

  /** A raw answer announced as JSON (for the `malformed` and `echo` faults only). */
  function replyText(res: ServerResponse, status: number, text: string): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { "cache-control": "no-cache", "x-ms-request-id": randomUUID(), "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)) });
    res.end(text);
  }

  async function readText(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) throw kvErrors.tooLargeBody();
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  const server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (e instanceof KvHttpError) {
        reply(res, e.status, e.body(), e.headers);
      } else {
        reply(res, 500, { error: { code: "InternalServerError", message: `KeyVaultDouble: ${String(e)}` } });
      }
    });
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // A client that aborts the handshake (or a dropped-connection fault) must not crash the double.
  server.on("tlsClientError", () => {});

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const vaultUrl = `https://${opts.host ?? "127.0.0.1"}:${port}`;
  store.vaultUrl = vaultUrl;

  let stopping: Promise<void> | undefined;
  const double: KeyVaultDouble = {
    vaultUrl,
    port,
    caCertPem: tls.caCertPem,
    ...(tls.caFile === undefined ? {} : { caFile: tls.caFile }),
    issueToken(rights: readonly Right[] = RIGHTS, chosen?: string) {
      const token = chosen ?? `kvdouble.${randomBytes(24).toString("base64url")}`;
      tokens.set(token, { rights: new Set(rights), oid: randomUUID() });
      return token;
    },
    revokeToken(token: string) {
      tokens.delete(token);
    },
    counters: () => ({ ...counts }),
    throttledCount: () => throttledByLimits,
    resetCounters() {
      counts = zeroCounters();
    },
    setFaults: (plan: FaultPlan) => faults.set(plan),
    clearFaults: () => faults.clear(),
    faultsInjected: () => faults.injected,
    setThrottling: (options: ThrottleOptions | false) => throttle.configure(options),
    flush: () => persister?.flush(),
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        // closeAllConnections only knows HTTP connections; a socket mid-handshake would hold close().
        for (const s of sockets) s.destroy();
      }).then(() => persister?.flush());
      return stopping;
    },
  };
  return double;
}
