// Issue #24: an `http://` address or `insecureSkipTlsVerify` is allowed (local and throwaway
// servers need them) but warned about in every preview and up, naming the connection, under the
// component that uses it. Runs the components under pulumi.runtime.setMocks as a preview, with
// pulumi.log.warn recorded.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { insecureTransportWarnings } from "../../../src/components/connectionWarnings";

interface Warned {
  message: string;
  resource?: pulumi.Resource;
}

// The values the reader's Vault resources compute are not returned, so in this preview they stay
// unknown, like in a new stack's first preview: the migration that plans with the reader's
// connection then plans nothing and opens no connection.
const COMPUTED = ["roleId", "secretId", "accessor", "adopted", "summary", "drift"];
class PreviewMocks implements pulumi.runtime.Mocks {
  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    throw new Error(`unexpected call ${args.token}`);
  }
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const state = Object.fromEntries(Object.entries(args.inputs as Record<string, unknown>).filter(([k]) => !COMPUTED.includes(k)));
    return { id: `${args.name}-id`, state };
  }
}

const TOKEN = "admin-token-MARKER-77";

describe("bad input: insecure connections are warned about (mocks)", () => {
  const warned: Warned[] = [];
  const originalWarn = pulumi.log.warn;
  let reader: pulumi.ComponentResource;
  let migration: pulumi.ComponentResource;
  let safeMigration: pulumi.ComponentResource;

  before(async function () {
    this.timeout(60_000);
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string, resource?: pulumi.Resource) => {
      warned.push({ message, ...(resource ? { resource } : {}) });
    };
    pulumi.runtime.setMocks(new PreviewMocks(), "project", "stack", true);
    const { MigrationReader } = await import("../../../src/components/MigrationReader");
    const { Migration } = await import("../../../src/components/Migration");
    const r = new MigrationReader("reader", {
      connection: { address: "http://vault.test:8200", auth: { method: "token", token: TOKEN } },
      sources: [{ mount: "secret", kvVersion: 2 }],
    });
    reader = r;
    migration = new Migration("insecure", {
      source: { connection: { address: "http://vault.test:8200", auth: { method: "token", token: TOKEN } }, mount: "secret" },
      planConnection: r.readerConnection,
      fingerprintKey: "fingerprint-key-0123456789abcdef",
      destination: { kind: "vault", spec: { address: "https://dest.test:8200", insecureSkipTlsVerify: true, mount: "secret" }, credentials: { auth: { method: "token", token: TOKEN } } },
    });
    safeMigration = new Migration("safe", {
      source: { connection: { address: "https://vault.example.com:8200", auth: { method: "token", token: TOKEN } }, mount: "secret" },
      planConnection: r.readerConnection,
      fingerprintKey: "fingerprint-key-0123456789abcdef",
      destination: { kind: "vault", spec: { address: "https://dest.example.com:8200", mount: "secret" }, credentials: { auth: { method: "token", token: TOKEN } } },
    });
    const deadline = Date.now() + 30_000;
    while (warned.length < 3 && Date.now() < deadline) await new Promise((r2) => setTimeout(r2, 50));
    await new Promise((r2) => setTimeout(r2, 200)); // any further (unexpected) warning lands too
  });

  after(() => {
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = originalWarn;
  });

  it("warns about the reader's http:// Vault connection, naming it [vault], under the reader", () => {
    const w = warned.filter((x) => x.message.startsWith("[vault]"));
    assert.equal(w.length, 1, JSON.stringify(warned.map((x) => x.message)));
    assert.match(w[0]?.message ?? "", /^\[vault\] connection to http:\/\/vault\.test:8200 is not encrypted \(http:\/\/\)/);
    assert.equal(w[0]?.resource, reader);
  });

  it("warns about the migration's http:// source and its destination without TLS verification, under the migration", () => {
    const mine = warned.filter((x) => x.resource === migration).map((x) => x.message);
    assert.equal(mine.length, 2, JSON.stringify(mine));
    assert.ok(mine.some((m) => /^\[source\] connection to http:\/\/vault\.test:8200 is not encrypted/.test(m)), JSON.stringify(mine));
    assert.ok(mine.some((m) => /^\[destination\] connection to https:\/\/dest\.test:8200 has TLS verification turned off \(insecureSkipTlsVerify\)/.test(m)), JSON.stringify(mine));
  });

  it("says nothing about safe connections, and never quotes a token", () => {
    assert.deepEqual(warned.filter((x) => x.resource === safeMigration), []);
    assert.equal(warned.length, 3, JSON.stringify(warned.map((x) => x.message)));
    for (const w of warned) assert.ok(!w.message.includes(TOKEN));
  });

  it("the pure rule: http:// and the flag each give one warning, https:// none", () => {
    assert.deepEqual(insecureTransportWarnings("source", { address: "https://v.example.com" }), []);
    assert.equal(insecureTransportWarnings("source", { address: "HTTP://v.example.com" }).length, 1);
    assert.equal(insecureTransportWarnings("destination", { address: "http://v", insecureSkipTlsVerify: true }).length, 2);
    // Loopback traffic never leaves the machine: no http warning there, but the TLS flag still warns.
    for (const a of ["http://127.0.0.1:8200", "http://localhost:8200", "http://[::1]:8200"]) assert.deepEqual(insecureTransportWarnings("source", { address: a }), [], a);
    assert.equal(insecureTransportWarnings("source", { address: "http://127.0.0.1.example.com" }).length, 1);
    assert.equal(insecureTransportWarnings("source", { address: "https://127.0.0.1:8200", insecureSkipTlsVerify: true }).length, 1);
    // Credentials written into an address are never echoed.
    const [w] = insecureTransportWarnings("source", { address: "http://ops:hunter2-pw@vault.example.com:8200" });
    assert.ok(w && !w.includes("hunter2-pw") && !w.includes("ops:") && w.includes("vault.example.com:8200"), w);
  });
});
