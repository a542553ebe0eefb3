// The one error shape of the clients: fields, stable codes, guards, and the service variants.
import * as assert from "node:assert/strict";
import { clientError, codeForStatus, isClientError, transportCode } from "../../../src/clients/http/errors";
import { isKeyVaultError, keyVaultError, toKeyVaultError } from "../../../src/clients/keyvault/errors";
import { isVaultApiError, isVaultConnectionError, vaultApiError, vaultConnectionError } from "../../../src/clients/vault/errors";
import { isVaultMountError, vaultMountError } from "../../../src/clients/vault/kvMounts";
import { everyRendering } from "./support";

describe("clients/http errors", () => {
  it("builds one shape: name, stable code, service, method, path (no query), optional facts only when known", () => {
    const e = clientError({ code: "rate_limited", service: "scaivault", method: "PUT", path: "v1/secrets/a?x=1", status: 429, serviceCode: "rate_limited", requestId: "req-1", retryable: true }, "ScaiVault PUT v1/secrets/a failed (429 rate_limited)");
    assert.ok(e instanceof Error);
    assert.equal(`${e}`, "ClientError: ScaiVault PUT v1/secrets/a failed (429 rate_limited)");
    assert.deepEqual(
      { name: e.name, code: e.code, service: e.service, method: e.method, path: e.path, status: e.status, serviceCode: e.serviceCode, requestId: e.requestId, retryable: e.retryable },
      { name: "ClientError", code: "rate_limited", service: "scaivault", method: "PUT", path: "v1/secrets/a", status: 429, serviceCode: "rate_limited", requestId: "req-1", retryable: true },
    );
    const bare = clientError({ code: "timeout", service: "infisical", method: "GET", path: "api/v3/x", retryable: true }, "t");
    assert.equal("status" in bare, false);
    assert.equal("requestId" in bare, false);
  });

  it("the guard checks the shape and, optionally, the code", () => {
    const e = clientError({ code: "not_found", service: "vault", method: "GET", path: "p", status: 404, retryable: false }, "m");
    assert.equal(isClientError(e), true);
    assert.equal(isClientError(e, "not_found"), true);
    assert.equal(isClientError(e, "conflict"), false);
    assert.equal(isClientError(Object.assign(new Error("x"), { code: "not_found" })), false, "a plain error with a code is not one");
    assert.equal(isClientError({ name: "ClientError", code: "not_found" }), false, "nor is a lookalike object");
  });

  it("maps statuses and transport failures to stable codes", () => {
    assert.deepEqual([400, 401, 403, 404, 405, 409, 412, 413, 422, 429, 500, 502, 503, 418].map(codeForStatus), [
      "bad_request", "unauthenticated", "permission_denied", "not_found", "unsupported_operation", "conflict", "precondition_failed",
      "too_large", "validation_failed", "rate_limited", "server_error", "server_error", "unavailable", "client_error",
    ]);
    const sys = (code: string, message = code): Error => Object.assign(new Error(message), { code });
    assert.equal(transportCode(sys("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1")), "connection_refused");
    assert.equal(transportCode(sys("ECONNRESET")), "connection_failed");
    assert.equal(transportCode(sys("UND_ERR_SOCKET", "other side closed")), "connection_failed");
    assert.equal(transportCode(sys("UND_ERR_HEADERS_TIMEOUT", "Headers Timeout Error")), "timeout");
    assert.equal(transportCode(sys("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain")), "tls_failed");
    assert.equal(transportCode(sys("ENOTFOUND", "getaddrinfo ENOTFOUND x.invalid")), "dns_failed");
    assert.equal(transportCode(Object.assign(new Error("fetch failed"), { cause: sys("ECONNREFUSED") })), "connection_refused", "the cause's code counts");
  });

  describe("service variants keep their guards", () => {
    it("Vault: API errors carry Vault's strings, connection errors now have a code", () => {
      const api = vaultApiError("LIST", "kv/metadata/a", 403, ["permission denied"], { namespace: "team" });
      assert.ok(isVaultApiError(api) && isClientError(api, "permission_denied"));
      assert.equal(api.service, "vault");
      assert.deepEqual(api.errors, ["permission denied"]);
      assert.match(api.message, /^Vault LIST kv\/metadata\/a \(namespace team\) failed with 403: permission denied \(the token's policies/);
      assert.equal(isVaultConnectionError(api), false);
      const conn = vaultConnectionError("https://vault.example:8200", "GET", "sys/mounts", Object.assign(new Error("getaddrinfo ENOTFOUND vault.example"), { code: "ENOTFOUND" }));
      assert.ok(isVaultConnectionError(conn));
      assert.equal(conn.code, "dns_failed");
      assert.equal(conn.retryable, false);
      assert.equal(isVaultApiError(conn), false);
    });

    it("Vault mounts: their own codes in the same shape", () => {
      const e = vaultMountError("kv", "not_kv", 'Vault mount "kv" is a pki mount, not a KV secrets engine');
      assert.ok(isVaultMountError(e) && isClientError(e, "not_kv"));
      assert.equal(e.mount, "kv");
      assert.equal(isVaultApiError(e), false);
    });

    it("Key Vault: the stable code by status, Key Vault's own in serviceCode, which the guard matches", () => {
      const e = keyVaultError("setSecret", "app-db", 409, "ObjectIsDeletedButRecoverable", "Secret app-db is currently in a deleted but recoverable state", { requestId: "r-1" });
      assert.ok(isKeyVaultError(e, "ObjectIsDeletedButRecoverable"));
      assert.equal(isKeyVaultError(e, "Conflict"), false);
      assert.ok(isClientError(e, "conflict"));
      assert.deepEqual({ method: e.method, path: e.path, status: e.status, requestId: e.requestId, operation: e.operation, secretName: e.secretName }, { method: "PUT", path: "secrets/app-db", status: 409, requestId: "r-1", operation: "setSecret", secretName: "app-db" });
      const refused = keyVaultError("listSecrets", "", 0, "ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:9");
      assert.equal(refused.code, "connection_refused");
      assert.equal("status" in refused, false);
      assert.equal(refused.path, "secrets");
    });

    it("Key Vault: a value echoed in the service message is cut out", () => {
      const sdkError = Object.assign(new Error("Bad value hunter2-VALUE\nCaller: appid=…"), { name: "RestError", statusCode: 400, code: "BadParameter" });
      const e = toKeyVaultError("setSecret", "x", sdkError, ["hunter2-VALUE"]);
      assert.ok(isClientError(e, "bad_request"));
      assert.doesNotMatch(everyRendering(e), /hunter2-VALUE|Caller/);
    });
  });
});
