// A run's Vault credentials live as short as the run (real OpenBao): the AppRole token is renewed
// and, at its max TTL, replaced by a fresh login while a long copy goes on; close() revokes it; a
// secret_id used up between runs fails with the way out (rotate it), not a bare login failure.
import * as assert from 'node:assert/strict';
import { readKvSecret } from '../../src/clients/vault/kv';
import { VaultClient, type VaultTokenEvent } from '../../src/clients/vault/VaultClient';
import { OpenBaoServer, startOpenBaoDev, vaultRequest } from '../support/openbao';

const SECRETS = 20;

describe('Vault token lifetime (real OpenBao)', function () {
  let server: OpenBaoServer;

  before(async function () {
    server = await startOpenBaoDev();
    for (let i = 0; i < SECRETS; i++) await vaultRequest(server, 'PUT', `secret/data/apps/s${i}`, { data: { value: `v${i}` } });
    await vaultRequest(server, 'PUT', 'sys/policy/reader', { policy: 'path "secret/data/apps/*" { capabilities = ["read"] }' });
    await vaultRequest(server, 'POST', 'sys/auth/approle', { type: 'approle' });
    // Short on purpose: the copy below outlives the max TTL.
    await vaultRequest(server, 'POST', 'auth/approle/role/short', { token_policies: ['reader'], token_ttl: '3s', token_max_ttl: '6s' });
    await vaultRequest(server, 'POST', 'auth/approle/role/once', { token_policies: ['reader'], token_ttl: '1h', secret_id_num_uses: 1 });
  });

  after(async function () {
    await server?.stop();
  });

  async function approle(role: string): Promise<{ method: 'approle'; roleId: string; secretId: string }> {
    const rid = await vaultRequest<{ data: { role_id: string } }>(server, 'GET', `auth/approle/role/${role}/role-id`);
    const sid = await vaultRequest<{ data: { secret_id: string } }>(server, 'POST', `auth/approle/role/${role}/secret-id`, {});
    return { method: 'approle', roleId: rid?.data.role_id as string, secretId: sid?.data.secret_id as string };
  }

  /** Live tokens issued to `role` (by their metadata), looked up with the root token. */
  async function liveTokensOf(role: string): Promise<number> {
    const list = await vaultRequest<{ data: { keys: string[] } }>(server, 'LIST', 'auth/token/accessors');
    let n = 0;
    for (const accessor of list?.data.keys ?? []) {
      const t = await vaultRequest<{ data: { meta?: Record<string, string> | null } }>(server, 'POST', 'auth/token/lookup-accessor', { accessor }).catch(() => undefined);
      if (t?.data.meta?.role_name === role) n++;
    }
    return n;
  }

  it('a copy that outlives token_max_ttl: every read succeeds, the token is renewed, then replaced by a fresh login, and revoked at the end', async function () {
    const events: VaultTokenEvent[] = [];
    const client = VaultClient.connect({ address: server.address, auth: await approle('short') }, { onTokenEvent: (e) => events.push(e) });
    const started = Date.now();
    let reads = 0;
    try {
      // One secret at a time, paced, until the run is past the 6 s max TTL: a slow copy at concurrency 1.
      while (Date.now() - started < 8_000) {
        const s = await readKvSecret(client, 'secret', 2, `apps/s${reads % SECRETS}`);
        assert.equal(s?.data.value, `v${reads % SECRETS}`);
        reads++;
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await client.close();
    }
    assert.ok(reads > 40, `only ${reads} reads`);
    assert.equal(events[0], 'login');
    assert.ok(events.includes('renew'), `token events: ${events.join(', ')}`);
    assert.ok(events.indexOf('login', 1) > events.indexOf('renew'), `a fresh login after renewals, got: ${events.join(', ')}`);
    assert.equal(events.at(-1), 'revoke');
    assert.equal(await liveTokensOf('short'), 0, 'no token of the run outlives it');
  });

  it('a secret_id used up between runs fails the next login saying to rotate it (rotationTrigger); a configured token is never revoked', async function () {
    const auth = await approle('once');
    const first = VaultClient.connect({ address: server.address, auth });
    assert.equal((await readKvSecret(first, 'secret', 2, 'apps/s0'))?.data.value, 'v0');
    await first.close();
    const second = VaultClient.connect({ address: server.address, auth });
    try {
      const e = await readKvSecret(second, 'secret', 2, 'apps/s0').then(
        () => assert.fail('the used-up secret_id logged in'),
        (x: unknown) => x as Error,
      );
      assert.match(e.message, /auth\/approle\/login was refused/);
      assert.match(e.message, /rotationTrigger/);
      assert.ok(!e.message.includes(auth.secretId), 'the secret_id is not in the message');
    } finally {
      await second.close();
    }
    const given = VaultClient.connect({ address: server.address, auth: { method: 'token', token: server.rootToken } });
    await readKvSecret(given, 'secret', 2, 'apps/s0');
    await given.close();
    assert.ok(await vaultRequest(server, 'GET', 'auth/token/lookup-self'), 'the root token still works');
  });
});
