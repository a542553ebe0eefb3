// KV mount detection, streaming walk, metadata-only inventory and single-secret read/write against
// a real OpenBao dev server.
import assert from 'node:assert/strict';
import type { SourceSecret } from '../../src/engine/types';
import {
  detectKvMount,
  inventoryKv,
  isCasMismatch,
  isVaultMountError,
  readKvSecret,
  VaultClient,
  walkKv,
  writeKvSecret,
} from '../../src/clients/vault';
import { OpenBaoServer, startOpenBaoDev, vaultRequest } from '../support/openbao';

const KEY = 'k'.repeat(32);
const OTHER_KEY = 'o'.repeat(32);

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

/** Runs `fn` over `items` with `limit` in flight (seeding only). */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (i < items.length) await fn(items[i++] as T);
  }));
}

/** Records every API path the client calls. */
function recordPaths(client: VaultClient): string[] {
  const seen: string[] = [];
  const orig = client.request.bind(client);
  client.request = (<T>(...args: Parameters<VaultClient['request']>): Promise<T | undefined> => {
    seen.push(args[1]);
    return orig<T>(...args);
  }) as VaultClient['request'];
  return seen;
}

const V2_PATHS = ['top', 'apps/web/db', 'apps/web/api', 'apps/worker/queue', 'apps/old/gone', 'apps/deep/a/b/c/leaf', 'burnt'];
const V1_PATHS = ['root1', 'db/primary', 'db/replica', 'tokens/ci', 'tokens/deep/x'];

describe('Vault KV client (real OpenBao)', function () {
  let server: OpenBaoServer;
  let client: VaultClient;
  const connect = (token: string): VaultClient => VaultClient.connect({ address: server.address, auth: { method: 'token', token } });

  before(async function () {
    server = await startOpenBaoDev();
    client = connect(server.rootToken);
    for (const p of V2_PATHS) await vaultRequest(server, 'PUT', `secret/data/${p}`, { data: { value: p, n: 1 } });
    await vaultRequest(server, 'PUT', 'secret/data/apps/web/db', { data: { user: 'app', pass: 's3cret' } }); // version 2
    await vaultRequest(server, 'POST', 'secret/metadata/apps/web/db', { custom_metadata: { owner: 'team-a', expires: '2030-01-01' } });
    await vaultRequest(server, 'PUT', 'secret/data/apps/old/gone', { data: { value: 'v2' } });
    await vaultRequest(server, 'DELETE', 'secret/data/apps/old/gone'); // soft-deletes version 2
    await vaultRequest(server, 'PUT', 'secret/data/burnt', { data: { value: 'v2' } });
    await vaultRequest(server, 'PUT', 'secret/destroy/burnt', { versions: [2] });
    for (const p of V1_PATHS) await vaultRequest(server, 'PUT', `kv1/${p}`, { value: p });
    await vaultRequest(server, 'PUT', 'kv1/db/primary', { user: 'db', pass: 'pw', port: 5432 });
    await vaultRequest(server, 'PUT', 'kv1/db/replica', { port: 5432, pass: 'pw', user: 'db' }); // same data, other key order
  });

  after(async function () {
    await client?.close();
    await server?.stop();
  });

  describe('detectKvMount', function () {
    it('tells KV v1 from v2', async function () {
      assert.deepEqual(await detectKvMount(client, 'secret'), { mount: 'secret', kvVersion: 2 });
      assert.deepEqual(await detectKvMount(client, '/kv1/'), { mount: 'kv1', kvVersion: 1 });
      assert.deepEqual(await detectKvMount(client, 'kv2'), { mount: 'kv2', kvVersion: 2 });
    });

    it('names the existing mounts when the mount is missing', async function () {
      await assert.rejects(detectKvMount(client, 'nope'), (e: unknown) => {
        assert.ok(isVaultMountError(e));
        assert.equal(e.code, 'mount_not_found');
        assert.match(e.message, /^Vault mount "nope" does not exist \(mounts: .*kv1\/.*secret\/.*\)$/);
        return true;
      });
    });

    it('refuses a non-KV mount, naming its type', async function () {
      let other = 'cubbyhole';
      let type = 'cubbyhole';
      try {
        await vaultRequest(server, 'POST', 'sys/mounts/transit', { type: 'transit' });
        [other, type] = ['transit', 'transit'];
      } catch {
        // transit not built in: cubbyhole is always there
      }
      await assert.rejects(detectKvMount(client, other), (e: unknown) => {
        assert.ok(isVaultMountError(e));
        assert.equal(e.code, 'not_kv');
        assert.match(e.message, new RegExp(`is a ${type} mount, not a KV secrets engine`));
        return true;
      });
    });
  });

  describe('walkKv', function () {
    it('finds exactly the seeded paths (v2 and v1)', async function () {
      assert.deepEqual(new Set(await collect(walkKv(client, 'secret', 2))), new Set(V2_PATHS));
      assert.deepEqual(new Set(await collect(walkKv(client, 'kv1', 1, { concurrency: 1 }))), new Set(V1_PATHS));
    });

    it('honours a prefix, and a missing prefix is empty', async function () {
      const apps = V2_PATHS.filter((p) => p.startsWith('apps/'));
      assert.deepEqual(new Set(await collect(walkKv(client, 'secret', 2, { prefix: 'apps' }))), new Set(apps));
      assert.deepEqual(new Set(await collect(walkKv(client, 'secret', 2, { prefix: '/apps/web/' }))), new Set(['apps/web/db', 'apps/web/api']));
      assert.deepEqual(await collect(walkKv(client, 'secret', 2, { prefix: 'missing' })), []);
      assert.deepEqual(await collect(walkKv(client, 'kv2', 2)), []);
    });
  });

  describe('inventoryKv', function () {
    it('KV v2: versions, states and custom metadata, without reading any value', async function () {
      const c = connect(server.rootToken);
      const seen = recordPaths(c);
      try {
        const items = await collect(inventoryKv(c, { mount: 'secret', kvVersion: 2 }));
        const byPath = new Map(items.map((s) => [s.path, s]));
        assert.deepEqual(new Set(byPath.keys()), new Set(V2_PATHS));
        const db = byPath.get('apps/web/db') as SourceSecret;
        assert.equal(db.mount, 'secret');
        assert.equal(db.kvVersion, 2);
        assert.equal(db.currentVersion, 2);
        assert.equal(db.state, 'live');
        assert.deepEqual(db.customMetadata, { owner: 'team-a', expires: '2030-01-01' });
        assert.ok(db.updatedTime && !Number.isNaN(Date.parse(db.updatedTime)));
        assert.equal(db.fingerprint, undefined);
        assert.deepEqual(byPath.get('top')?.customMetadata, {});
        assert.equal(byPath.get('apps/old/gone')?.state, 'deleted');
        assert.equal(byPath.get('apps/old/gone')?.currentVersion, 2);
        assert.equal(byPath.get('burnt')?.state, 'destroyed');
        assert.equal(byPath.get('burnt')?.currentVersion, 2);
        assert.ok(seen.length > 0);
        assert.deepEqual(seen.filter((p) => p.includes('/data/')), [], 'v2 inventory must not read values');
      } finally {
        await c.close();
      }
    });

    it('applies the filter before any read', async function () {
      const c = connect(server.rootToken);
      const seen = recordPaths(c);
      try {
        const items = await collect(inventoryKv(c, { mount: 'secret', kvVersion: 2, filter: (p) => !p.startsWith('apps/') }));
        assert.deepEqual(new Set(items.map((s) => s.path)), new Set(['top', 'burnt']));
        assert.deepEqual(seen.filter((p) => p.startsWith('secret/metadata/apps/') && !p.endsWith('?list=true')), []);
      } finally {
        await c.close();
      }
    });

    it('KV v1: keyed fingerprints, one per secret (equal data, different paths: different fingerprints), no value yielded', async function () {
      const run = async (key: string) => new Map((await collect(inventoryKv(client, { mount: 'kv1', kvVersion: 1, fingerprintKey: key }))).map((s) => [s.path, s]));
      const a = await run(KEY);
      const b = await run(KEY);
      const other = await run(OTHER_KEY);
      assert.deepEqual(new Set(a.keys()), new Set(V1_PATHS));
      for (const [path, s] of a) {
        assert.equal(s.kvVersion, 1);
        assert.equal(s.currentVersion, undefined);
        assert.equal(s.state, 'live');
        assert.deepEqual(s.customMetadata, {});
        assert.match(s.fingerprint ?? '', /^[A-Za-z0-9_-]{32}$/);
        assert.equal(b.get(path)?.fingerprint, s.fingerprint, 'stable');
        assert.notEqual(other.get(path)?.fingerprint, s.fingerprint, 'keyed');
        assert.ok(!JSON.stringify(s).includes('pw') && !JSON.stringify(s).includes(`"value"`), 'no value in the inventory');
      }
      // Per secret: equal data under two paths gives two fingerprints (the HMAC binds the path), so the
      // markers do not show which secrets are equal; the version-1 form, kept only to recognise old
      // markers, is the data's alone.
      assert.notEqual(a.get('db/primary')?.fingerprint, a.get('db/replica')?.fingerprint);
      assert.equal(a.get('db/primary')?.legacyFingerprint, a.get('db/replica')?.legacyFingerprint);
      assert.notEqual(a.get('db/primary')?.legacyFingerprint, a.get('root1')?.legacyFingerprint);
    });

    it('KV v1 without a fingerprint key fails before any request', async function () {
      const c = connect(server.rootToken);
      const seen = recordPaths(c);
      try {
        await assert.rejects(collect(inventoryKv(c, { mount: 'kv1', kvVersion: 1 })), /needs a fingerprintKey/);
        assert.deepEqual(seen, []);
      } finally {
        await c.close();
      }
    });
  });

  it('a least-privilege token (metadata read/list on apps/ only) detects the mount and walks apps/', async function () {
    await vaultRequest(server, 'PUT', 'sys/policies/acl/apps-meta', {
      policy: 'path "secret/metadata/apps/*" { capabilities = ["read", "list"] }',
    });
    const created = await vaultRequest<{ auth: { client_token: string } }>(server, 'POST', 'auth/token/create', { policies: ['apps-meta'], ttl: '10m' });
    const c = connect((created as { auth: { client_token: string } }).auth.client_token);
    try {
      await assert.rejects(c.read('sys/mounts'), /403/); // the fallback is really exercised
      assert.deepEqual(await detectKvMount(c, 'secret'), { mount: 'secret', kvVersion: 2 });
      await assert.rejects(detectKvMount(c, 'kv1'), (e: unknown) => isVaultMountError(e) && e.code === 'mount_unknown');
      const apps = V2_PATHS.filter((p) => p.startsWith('apps/'));
      assert.deepEqual(new Set(await collect(walkKv(c, 'secret', 2, { prefix: 'apps/' }))), new Set(apps));
      const items = await collect(inventoryKv(c, { mount: 'secret', kvVersion: 2, prefix: 'apps' }));
      assert.equal(items.length, apps.length);
    } finally {
      await c.close();
    }
  });

  describe('readKvSecret / writeKvSecret', function () {
    it('reads current and pinned v2 versions; gone versions are undefined', async function () {
      const { createdTime, ...cur } = (await readKvSecret(client, 'secret', 2, 'apps/web/db')) ?? {};
      assert.deepEqual(cur, { data: { user: 'app', pass: 's3cret' }, version: 2, customMetadata: { owner: 'team-a', expires: '2030-01-01' } });
      // The version's write time: the base of duration expiries, the same one the inventory reports.
      assert.ok(createdTime && !Number.isNaN(Date.parse(createdTime)), `createdTime ${createdTime}`);
      assert.deepEqual((await readKvSecret(client, 'secret', 2, 'apps/web/db', { version: 1 }))?.data, { value: 'apps/web/db', n: 1 });
      assert.equal(await readKvSecret(client, 'secret', 2, 'apps/old/gone'), undefined);
      assert.equal(await readKvSecret(client, 'secret', 2, 'burnt'), undefined);
      assert.equal((await readKvSecret(client, 'secret', 2, 'burnt', { version: 1 }))?.version, 1);
      assert.equal(await readKvSecret(client, 'secret', 2, 'nothing/here'), undefined);
      assert.deepEqual(await readKvSecret(client, 'kv1', 1, 'db/primary'), { data: { user: 'db', pass: 'pw', port: 5432 } });
      assert.equal(await readKvSecret(client, 'kv1', 1, 'nothing'), undefined);
    });

    it('writes v2 with cas and metadata; a repeated CAS write of the same data is taken as ours', async function () {
      const data = { a: '1', b: '2' };
      assert.deepEqual(await writeKvSecret(client, 'kv2', 2, 'w/one', data, { cas: 0, customMetadata: { from: 'test' } }), { version: 1 });
      // as if the first answer was lost and the caller retried
      assert.deepEqual(await writeKvSecret(client, 'kv2', 2, 'w/one', { b: '2', a: '1' }, { cas: 0 }), { version: 1 });
      await assert.rejects(writeKvSecret(client, 'kv2', 2, 'w/one', { a: 'other' }, { cas: 0 }), (e: unknown) => isCasMismatch(e));
      assert.deepEqual(await writeKvSecret(client, 'kv2', 2, 'w/one', { a: 'next' }, { cas: 1 }), { version: 2 });
      const { createdTime: _written, ...next } = (await readKvSecret(client, 'kv2', 2, 'w/one')) ?? {};
      assert.deepEqual(next, { data: { a: 'next' }, version: 2, customMetadata: { from: 'test' } });
      assert.deepEqual(await writeKvSecret(client, 'kv1', 1, 'w/one', { x: 'y' }), {});
      assert.deepEqual((await readKvSecret(client, 'kv1', 1, 'w/one'))?.data, { x: 'y' });
      await assert.rejects(writeKvSecret(client, 'kv1', 1, 'w/one', { x: 'y' }, { cas: 0 }), /supports neither cas/);
      await vaultRequest(server, 'DELETE', 'kv2/metadata/w/one');
      await vaultRequest(server, 'DELETE', 'kv1/w/one');
    });
  });

  describe('at scale', function () {
    const N = 2_000;
    const bulk = Array.from({ length: N }, (_, i) => `bulk/${i % 20}/${Math.floor(i / 20) % 5}/s${i}`);

    before(async function () {
      const t0 = Date.now();
      await pool(bulk, 32, (p) => vaultRequest(server, 'PUT', `kv2/data/${p}`, { data: { i: p } }));
      console.log(`      seeded ${N} secrets in ${Date.now() - t0} ms`);
    });

    it(`walks and inventories ${N} secrets`, async function () {
      this.timeout(20_000);
      let t0 = Date.now();
      const walked = await collect(walkKv(client, 'kv2', 2, { concurrency: 8 }));
      const walkMs = Date.now() - t0;
      assert.equal(walked.length, N);
      assert.deepEqual(new Set(walked), new Set(bulk));
      t0 = Date.now();
      let count = 0;
      for await (const s of inventoryKv(client, { mount: 'kv2', kvVersion: 2, concurrency: 16 })) {
        assert.equal(s.currentVersion, 1);
        count++;
      }
      console.log(`      walk ${walkMs} ms, inventory ${Date.now() - t0} ms`);
      assert.equal(count, N);
    });

    it('stops early without leaving requests that fail later', async function () {
      const c = connect(server.rootToken);
      const rejections: unknown[] = [];
      const onRejection = (r: unknown): void => void rejections.push(r);
      process.on('unhandledRejection', onRejection);
      let inFlight = 0;
      const orig = c.request.bind(c);
      c.request = (async <T>(...args: Parameters<VaultClient['request']>): Promise<T | undefined> => {
        inFlight++;
        try {
          return await orig<T>(...args);
        } finally {
          inFlight--;
        }
      }) as VaultClient['request'];
      try {
        let n = 0;
        for await (const s of inventoryKv(c, { mount: 'kv2', kvVersion: 2, concurrency: 16 })) {
          assert.ok(s.path);
          if (++n === 25) break;
        }
        assert.equal(inFlight, 0, 'the generator returned with requests still running');
        let w = 0;
        for await (const p of walkKv(c, 'kv2', 2, { concurrency: 16 })) {
          assert.ok(p);
          if (++w === 3) break;
        }
        assert.equal(inFlight, 0);
        await c.close(); // closing now must not make anything reject later
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(rejections, []);
      } finally {
        process.off('unhandledRejection', onRejection);
      }
    });
  });
});
