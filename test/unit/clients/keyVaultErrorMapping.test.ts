// The Key Vault client's error mapping, on the errors the real SDK throws: a stub HttpClient under
// a real SecretClient answers with bodies that echo the value (a truncated SecretBundle, a proxy's
// JSON, plain text), and the ClientError built from them must carry no form of it.
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from "@azure/core-rest-pipeline";
import { SecretClient } from "@azure/keyvault-secrets";
import { isClientError } from "../../../src/clients/http/errors";
import { isKeyVaultError, toKeyVaultError } from "../../../src/clients/keyvault/errors";
import { staticTokenCredential } from "../../doubles/keyvault/credential";
import { everyRendering } from "./support";

const VAULT = "https://leaks.vault.azure.net";
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQDleakcheck0001\n-----END PRIVATE KEY-----";

interface Canned {
  readonly status: number;
  readonly contentType: string;
  readonly body: (value: string) => string;
}

/** Answers the SDK's bodyless first request with the 401 challenge (fact sheet §5), then `canned`. */
function stubHttp(canned: Canned, value: string): HttpClient {
  return {
    sendRequest: async (request: PipelineRequest): Promise<PipelineResponse> => {
      if (!request.headers.get("authorization")) {
        return {
          request,
          status: 401,
          headers: createHttpHeaders({ "WWW-Authenticate": 'Bearer authorization="https://login.microsoftonline.com/tenant", resource="https://vault.azure.net"', "content-type": "application/json" }),
          bodyAsText: JSON.stringify({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token." } }),
        };
      }
      return { request, status: canned.status, headers: createHttpHeaders({ "content-type": canned.contentType, "x-ms-request-id": "req-leak" }), bodyAsText: canned.body(value) };
    },
  };
}

function sdkClient(canned: Canned, value: string): SecretClient {
  return new SecretClient(VAULT, staticTokenCredential("t"), { httpClient: stubHttp(canned, value), retryOptions: { maxRetries: 0 }, disableChallengeResourceVerification: true });
}

const bundle = (value: string): string => JSON.stringify({ value, id: `${VAULT}/secrets/app/0123456789abcdef0123456789abcdef`, attributes: { enabled: true } });

/** Every rendering the Pulumi host, a log line or a report could show, util.inspect included. */
function shown(e: unknown): string {
  return `${everyRendering(e)}\n${inspect(e, { depth: 8 })}`;
}

function assertNoValue(text: string, value: string): void {
  const digest = createHash("sha256").update(value, "utf8").digest();
  const needles = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), digest.toString("hex"), digest.toString("base64"), ...value.split("\n").filter((l) => l.length >= 8 && !l.startsWith("-----"))];
  for (const n of needles) assert.ok(!text.includes(n), `${JSON.stringify(n)} is in ${JSON.stringify(text)}`);
}

describe("clients/keyvault error mapping (real SDK errors from a stub HttpClient)", () => {
  // `serviceMessage`: Key Vault's own error message, which is shown (first line, capped) and can be
  // cut only with the values the call knows: the real service never quotes a value there.
  const cases: readonly (Canned & { readonly title: string; readonly code: string; readonly serviceMessage?: boolean })[] = [
    // The SDK's PARSE_ERROR message is `Error "…" occurred while parsing the response body - <body>.`
    { title: "a 200 whose SecretBundle is cut short (PARSE_ERROR quotes the body)", status: 200, contentType: "application/json; charset=utf-8", body: (v) => bundle(v).slice(0, -2), code: "invalid_response" },
    { title: "a 502 from a proxy with a JSON body that does not parse", status: 502, contentType: "application/json", body: (v) => `{"proxy": "upstream said ${JSON.stringify(v).slice(1, -1)}`, code: "server_error" },
    // createRestError takes `body.error ?? body` and its `message`: here, the echoed value.
    { title: "a 400 whose JSON is not Key Vault's error shape but has a message", status: 400, contentType: "application/json", body: (v) => JSON.stringify({ message: v, code: "Echo" }), code: "bad_request" },
    { title: "a 400 with a plain-text body echoing the request", status: 400, contentType: "text/plain", body: (v) => `bad request: ${JSON.stringify({ value: v })}`, code: "bad_request" },
    { title: "a Key Vault error whose own message quotes the value", status: 400, contentType: "application/json", body: (v) => JSON.stringify({ error: { code: "BadParameter", message: `The value '${v}' is not allowed` } }), code: "bad_request", serviceMessage: true },
  ];
  for (const value of [PEM, '{"user":"app","password":"p@ss w0rd/ü"}', "pässwörd-ünïcode-🔑"]) {
    for (const c of cases) {
      it(`${c.title}: no form of the value in the error (${value.slice(0, 12)}…)`, async () => {
        const sdk = sdkClient(c, value);
        const thrown = await sdk.setSecret("app", value).then(
          () => assert.fail("the stub answer should have failed"),
          (e: unknown) => e,
        );
        // The premise: what the SDK throws does quote the value, in its text or its `response.bodyAsText`.
        const first = value.split("\n")[0] as string;
        const reachable = `${shown(thrown)}\n${(thrown as { response?: { bodyAsText?: string } }).response?.bodyAsText ?? ""}`;
        assert.ok([first, JSON.stringify(first).slice(1, -1)].some((f) => reachable.includes(f)), "the SDK error should quote the body");
        const e = toKeyVaultError("setSecret", "app", thrown, [value]);
        assert.ok(isKeyVaultError(e) && isClientError(e, c.code as never), `${e.code}: ${e.message}`);
        assert.equal(e.status, c.status);
        assert.equal(e.requestId, "req-leak");
        assertNoValue(shown(e), value);
        // Without the value to cut (the refresh path reads a value it never had), still nothing.
        if (!c.serviceMessage) assertNoValue(shown(toKeyVaultError("getSecret", "app", thrown)), value);
      });
    }
  }

  it("keeps Key Vault's own code and first message line for an ordinary error", async () => {
    const c: Canned = { status: 409, contentType: "application/json", body: () => JSON.stringify({ error: { code: "Conflict", message: "Secret app is currently being deleted.", innererror: { code: "ObjectIsBeingDeleted" } } }) };
    const thrown = await sdkClient(c, "x").setSecret("app", "v").then(() => undefined, (e: unknown) => e);
    const e = toKeyVaultError("setSecret", "app", thrown);
    assert.equal(e.serviceCode, "ObjectIsBeingDeleted");
    assert.equal(e.message, "Key Vault setSecret on secret 'app' failed (409 ObjectIsBeingDeleted): Secret app is currently being deleted.");
  });

});
