// A fault-injecting HTTP proxy between a client under test and a real OpenBao: it numbers the
// requests it receives (1, 2, …) and, per the rule set, cuts the run after request N, loses the
// answer of request N (forwarded, so the server acts on it, but the client's connection is cut
// instead of answered), or, once the N-th request of a kind passed, holds every later one unsent
// and unanswered (the client waits: a kill then comes between two requests). Loopback only.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export type FaultRule =
  /** Requests after the n-th are never forwarded: their connection is cut (the run stops after request n). */
  | { readonly kind: "stop-after"; readonly n: number }
  /** The n-th request reaches the server, its answer never reaches the client; the others pass. */
  | { readonly kind: "lose-answer"; readonly n: number }
  /** Once the n-th request matching `match` (tested on `METHOD /v1/path`) passed, later requests are held unsent and unanswered. */
  | { readonly kind: "freeze-after"; readonly n: number; readonly match: RegExp };

export interface FaultProxy {
  /** e.g. http://127.0.0.1:40123 */
  readonly address: string;
  /** `METHOD /v1/path` of every request received, in order (no bodies, no headers). */
  readonly log: readonly string[];
  /** Resets the numbering and the log, cuts the answers held so far, and sets the rule (undefined: pass everything). */
  reset(rule?: FaultRule): void;
  /** Whether the rule has acted (a request was cut, lost or held). */
  readonly fired: boolean;
  /** Requests held now (freeze-after). */
  readonly held: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const to = new URL(target);
  let rule: FaultRule | undefined;
  let log: string[] = [];
  let fired = false;
  let matched = 0;
  const holding = new Set<http.ServerResponse>();
  const cut = (req: http.IncomingMessage): void => {
    fired = true;
    req.socket.destroy();
  };

  const server = http.createServer((req, res) => {
    const n = log.push(`${req.method} ${req.url}`);
    const frozen = rule?.kind === "freeze-after" && matched >= rule.n;
    if (rule?.kind === "freeze-after" && rule.match.test(`${req.method} ${req.url}`)) matched++;
    if (frozen) {
      fired = true;
      holding.add(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (rule?.kind === "stop-after" && n > rule.n) return cut(req);
      const upstream = http.request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on("data", (c: Buffer) => body.push(c));
          answer.on("end", () => {
            // The server has acted on the request by now; only the client is kept in the dark.
            if (rule?.kind === "lose-answer" && n === rule.n) return cut(req);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      upstream.on("error", () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    get log() {
      return log;
    },
    get fired() {
      return fired;
    },
    get held() {
      return holding.size;
    },
    reset(r) {
      for (const res of holding) res.socket?.destroy();
      holding.clear();
      rule = r;
      log = [];
      fired = false;
      matched = 0;
    },
    async close() {
      for (const res of holding) res.socket?.destroy();
      holding.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
