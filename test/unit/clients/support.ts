// Helpers of the client unit tests: a clock that moves only when the code under test sleeps, and
// undici's MockAgent in front of a VaultClient (no server, no network).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MockAgent } from "undici";
import type { RetryClock } from "../../../src/clients/http/retry";
import { VaultClient, type VaultClientOptions } from "../../../src/clients/vault/VaultClient";
import type { VaultAuth } from "../../../src/clients/vault/connection";

/** A clock whose `sleep` returns at once, moving time by the delay and recording it. */
export interface StepClock extends RetryClock {
  /** Every delay slept, in order. */
  readonly sleeps: number[];
  /** Moves time without a sleep (time passing between calls). */
  advance(ms: number): void;
}

export function stepClock(start = Date.parse("2026-05-01T00:00:00Z"), random = 0.5): StepClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    random: () => random,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export const VAULT = "http://vault.test:8200";

/** A MockAgent that refuses real connections, its interceptor pool for {@link VAULT}, and a client on it. */
export function mockVault(auth: VaultAuth = { method: "token", token: "hvs.TEST-TOKEN-MARKER" }, options: Omit<VaultClientOptions, "clock"> & { clock?: StepClock } = {}) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(VAULT);
  const clock: StepClock = options.clock ?? stepClock();
  const client = VaultClient.connect({ address: VAULT, auth }, { dispatcher: agent, clock, ...options });
  return { agent, pool, client, clock };
}

/** A response recorded from a real OpenBao by fixtures/record.ts. */
export interface Fixture {
  request: { method: string; path: string };
  status: number;
  body: unknown;
}

export function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(__dirname, "fixtures", `${name}.json`), "utf8")) as Fixture;
}

/** The `data` member of a fixture's envelope. */
export function fixtureData(name: string): unknown {
  return (fixture(name).body as { data?: unknown }).data;
}

/** Every way an error can be printed or shipped: message, stack, `String()`, JSON of its fields. */
export function everyRendering(e: unknown): string {
  const err = e as Error;
  return [String(e), err.message, err.stack ?? "", JSON.stringify(e), JSON.stringify(Object.entries(err))].join("\n");
}
