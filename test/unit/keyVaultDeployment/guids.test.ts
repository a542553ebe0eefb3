// The name-based GUIDs of KeyVaultDeployment. A role assignment's name must never change between
// runs, machines or releases: a new name makes Azure see a second assignment of the same role
// (RoleAssignmentExists) or, after a replace, a gap in access. So the values are pinned here, computed
// independently with Python's `uuid.uuid5` (shown next to each).
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { deterministicGuid, isGuid, uuidV5 } from "../../../src/components/keyVaultDeployment/guids";
import { KEY_VAULT_ROLES, ROLE_ASSIGNMENT_NAMESPACE, roleAssignmentName, roleDefinitionId } from "../../../src/components/keyVaultDeployment/roles";

const NAMESPACE_DNS = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
const NAMESPACE_URL = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("KeyVaultDeployment GUIDs", () => {
    it("isGuid accepts the 8-4-4-4-12 form in any case, nothing else", () => {
        fc.assert(fc.property(fc.uuid(), (u) => isGuid(u) && isGuid(u.toUpperCase())));
        for (const bad of ["", "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}", "6ba7b8109dad11d180b400c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430c", "6ba7b810-9dad-11d1-80b4-00c04fd430cg", " 6ba7b810-9dad-11d1-80b4-00c04fd430c8"]) {
            assert.equal(isGuid(bad), false, bad);
        }
    });

    it("uuidV5 gives Python's uuid5 for the same namespace and UTF-8 name", () => {
        // uuid.uuid5(uuid.NAMESPACE_URL, "https://vault.example.com/v1/secret/data/app")
        assert.equal(uuidV5(NAMESPACE_URL, "https://vault.example.com/v1/secret/data/app"), "7c35e6e1-d258-56bc-a638-6fcea0eb4d54");
        // uuid.uuid5(uuid.NAMESPACE_DNS, "kv-ümlaut.example"): the name is hashed as UTF-8
        assert.equal(uuidV5(NAMESPACE_DNS, "kv-ümlaut.example"), "d48fde33-080e-5b0a-a06f-5c1e2ec580da");
        // The namespace is bytes: its case does not matter.
        assert.equal(uuidV5(NAMESPACE_URL.toUpperCase(), "https://vault.example.com/v1/secret/data/app"), "7c35e6e1-d258-56bc-a638-6fcea0eb4d54");
    });

    it("uuidV5 is a deterministic version-5 GUID that separates names (property)", () => {
        fc.assert(
            fc.property(fc.uuid(), fc.string(), fc.string(), (namespace, a, b) => {
                const g = uuidV5(namespace, a);
                assert.match(g, V5);
                assert.equal(uuidV5(namespace, a), g);
                return (a === b) === (g === uuidV5(namespace, b));
            }),
        );
    });

    it("uuidV5 refuses a namespace that is not a GUID", () => {
        assert.throws(() => uuidV5("kv-namespace", "x"), /^Error: namespace must be a GUID, got "kv-namespace"$/);
    });

    it("deterministicGuid hashes the JSON list of its parts", () => {
        // uuid.uuid5(UUID(ROLE_ASSIGNMENT_NAMESPACE), json.dumps(["a", "b"], separators=(",", ":")))
        assert.equal(deterministicGuid(ROLE_ASSIGNMENT_NAMESPACE, "a", "b"), "36741cef-95ac-58fb-9666-f4ee96c7a757");
        fc.assert(fc.property(fc.array(fc.string()), (parts) => deterministicGuid(ROLE_ASSIGNMENT_NAMESPACE, ...parts) === uuidV5(ROLE_ASSIGNMENT_NAMESPACE, JSON.stringify(parts))));
    });

    it("roleAssignmentName is pinned: the same vault, principal and role give the same name in every release", () => {
        // uuid.uuid5(UUID(ROLE_ASSIGNMENT_NAMESPACE), json.dumps(["kv-migrated-prod", "3333…", "b86a8fe4-…"], separators=(",", ":")))
        const expected = "5e999cf2-92b4-5c01-beda-53c17c4ed6b0";
        assert.equal(roleAssignmentName("kv-migrated-prod", "33333333-3333-3333-3333-333333333333", "secretsOfficer"), expected);
        assert.equal(roleAssignmentName("KV-Migrated-Prod", "33333333-3333-3333-3333-333333333333".toUpperCase(), "secretsOfficer"), expected);
    });

    it("roleDefinitionId is the subscription-scoped id of the built-in role", () => {
        for (const role of Object.keys(KEY_VAULT_ROLES) as (keyof typeof KEY_VAULT_ROLES)[]) {
            assert.equal(roleDefinitionId("sub-1", role), `/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES[role].id}`);
            assert.ok(isGuid(KEY_VAULT_ROLES[role].id), role);
        }
    });
});
