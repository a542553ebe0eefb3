import { execFile } from "node:child_process";
import { X509Certificate, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * A CA and a server certificate (SAN localhost, 127.0.0.1) for the double. Node can verify X.509
 * but not issue it, so the `openssl` command line does the issuing, in a private directory.
 * With a directory the material persists there (so a client's CA file stays valid between runs);
 * without, it is made in a temp directory that is removed at once.
 */

export interface TlsMaterial {
  caCertPem: string;
  certPem: string;
  keyPem: string;
  /** Path of the CA certificate when persisted. */
  caFile?: string;
}

export const TLS_FILES = { caCert: "ca.pem", caKey: "ca.key", cert: "server.pem", key: "server.key" } as const;

const exec = promisify(execFile);

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await exec("openssl", args, { cwd });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr;
    throw new Error(`openssl ${args[0]} failed: ${stderr?.trim() || String(e)}`);
  }
}

// Explicit configs, so the machine's openssl.cnf defaults cannot add or clash with extensions.
const CA_CONFIG = (cn: string): string => `[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = ${cn}
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

const LEAF_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[v3_leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function issueCa(dir: string): Promise<void> {
  await writeFile(join(dir, "ca.cnf"), CA_CONFIG(`KeyVaultDouble test CA ${randomBytes(4).toString("hex")}`));
  await openssl(dir, ["req", "-x509", "-config", "ca.cnf", ...EC, "-keyout", TLS_FILES.caKey, "-out", TLS_FILES.caCert, "-days", "3650"]);
  await chmod(join(dir, TLS_FILES.caKey), 0o600);
  await rm(join(dir, "ca.cnf"), { force: true });
}

async function issueLeaf(dir: string): Promise<void> {
  await writeFile(join(dir, "leaf.cnf"), LEAF_CONFIG);
  await openssl(dir, ["req", "-new", "-config", "leaf.cnf", ...EC, "-keyout", TLS_FILES.key, "-out", "server.csr"]);
  await openssl(dir, [
    "x509", "-req", "-in", "server.csr", "-CA", TLS_FILES.caCert, "-CAkey", TLS_FILES.caKey,
    "-set_serial", `0x${randomBytes(12).toString("hex")}`, "-days", "825",
    "-extfile", "leaf.cnf", "-extensions", "v3_leaf", "-out", TLS_FILES.cert,
  ]);
  await chmod(join(dir, TLS_FILES.key), 0o600);
  await Promise.all(["server.csr", "leaf.cnf"].map((f) => rm(join(dir, f), { force: true })));
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** A leaf we can keep: issued by this CA and valid for at least another day. */
function leafUsable(caPem: string, certPem: string): boolean {
  try {
    const ca = new X509Certificate(caPem);
    const leaf = new X509Certificate(certPem);
    return leaf.checkIssued(ca) && leaf.verify(ca.publicKey) && Date.parse(leaf.validTo) > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

export async function loadOrCreateTls(dir?: string): Promise<TlsMaterial> {
  if (dir === undefined) {
    const tmp = await mkdtemp(join(tmpdir(), "kv-double-tls-"));
    try {
      await issueCa(tmp);
      await issueLeaf(tmp);
      const [caCertPem, certPem, keyPem] = await Promise.all(
        [TLS_FILES.caCert, TLS_FILES.cert, TLS_FILES.key].map((f) => readFile(join(tmp, f), "utf8")),
      );
      return { caCertPem: caCertPem as string, certPem: certPem as string, keyPem: keyPem as string };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  await mkdir(dir, { recursive: true, mode: 0o700 });
  let caCertPem = await readIfPresent(join(dir, TLS_FILES.caCert));
  const caKeyPem = await readIfPresent(join(dir, TLS_FILES.caKey));
  if (caCertPem === undefined || caKeyPem === undefined) {
    await issueCa(dir);
    caCertPem = await readFile(join(dir, TLS_FILES.caCert), "utf8");
  }
  let certPem = await readIfPresent(join(dir, TLS_FILES.cert));
  let keyPem = await readIfPresent(join(dir, TLS_FILES.key));
  if (certPem === undefined || keyPem === undefined || !leafUsable(caCertPem, certPem)) {
    await issueLeaf(dir);
    certPem = await readFile(join(dir, TLS_FILES.cert), "utf8");
    keyPem = await readFile(join(dir, TLS_FILES.key), "utf8");
  }
  return { caCertPem, certPem, keyPem, caFile: join(dir, TLS_FILES.caCert) };
}
