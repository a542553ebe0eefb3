// Records the outgoing connections of this process: a test can show what a piece of code talked to.
import { AsyncLocalStorage } from "node:async_hooks";
import * as diagnostics from "node:diagnostics_channel";
import * as net from "node:net";

/**
 * Every outgoing connection that the code run by {@link record} starts, directly or from anything it
 * set off (net, tls, https, undici all end in `net.Socket.prototype.connect`), as `host:port`, and
 * every undici request (before any socket). Only that code's: the test process also runs other tests'
 * leftovers (keep-alive pools, retries), which must not count.
 */
export class NetworkProbe {
  readonly attempts: string[] = [];
  private original: ((...args: unknown[]) => unknown) | undefined;
  private readonly scope = new AsyncLocalStorage<NetworkProbe>();
  private readonly onRequest = (message: unknown): void => {
    if (this.scope.getStore() !== this) return;
    const request = (message as { request?: { origin?: unknown; path?: string } }).request;
    this.attempts.push(`request ${String(request?.origin)}${request?.path ?? ""}`);
  };

  /** Runs `fn`, recording its connections until it settles. */
  async record<T>(fn: () => Promise<T>): Promise<T> {
    this.start();
    try {
      return await this.scope.run(this, fn);
    } finally {
      this.stop();
    }
  }

  private start(): void {
    const proto = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown };
    const original = proto.connect;
    this.original = original;
    const probe = this;
    proto.connect = function (this: net.Socket, ...args: unknown[]): unknown {
      if (probe.scope.getStore() === probe) probe.attempts.push(`connect ${connectTarget(args)}`);
      return original.apply(this, args);
    };
    diagnostics.subscribe("undici:request:create", this.onRequest);
  }

  private stop(): void {
    if (this.original) (net.Socket.prototype as unknown as { connect: unknown }).connect = this.original;
    this.original = undefined;
    diagnostics.unsubscribe("undici:request:create", this.onRequest);
  }
}

/** `host:port` (or the pipe path) of a Socket#connect call, in any of its call forms. */
function connectTarget(args: unknown[]): string {
  const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (first !== null && typeof first === "object") {
    const o = first as { host?: string; port?: string | number; path?: string };
    return o.path ?? `${o.host ?? "localhost"}:${String(o.port)}`;
  }
  return typeof args[1] === "string" ? `${args[1]}:${String(first)}` : `localhost:${String(first)}`;
}
