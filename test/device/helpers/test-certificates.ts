import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

/** PEM files made for one test: a CA, a server certificate it signed for 127.0.0.1, and a CA that signed nothing. */
export interface TestCertificates {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** A CA unrelated to the server's certificate. */
  readonly otherCaFile: string;
}

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A self-signed CA (P-256 keys: quick to make), valid for a day. */
function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      `/CN=aiida-hub test ${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]),
  );
  return { cert, key };
}

/** Makes the certificates with the openssl CLI in a temporary folder, removed after the test. */
export function makeTestCertificates(t: TestContext): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "aiida-pub-tls-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ca = makeCa(dir, "ca");
  const other = makeCa(dir, "other-ca");
  const keyFile = join(dir, "server.key");
  const request = join(dir, "server.csr");
  const certFile = join(dir, "server.pem");
  const extensions = join(dir, "server.ext");
  writeFileSync(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(
    ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile].concat(
      ["-out", request, "-subj", "/CN=127.0.0.1"],
    ),
  );
  openssl(
    ["x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial"].concat([
      "-out",
      certFile,
      "-days",
      "1",
      "-extfile",
      extensions,
    ]),
  );
  return { caFile: ca.cert, certFile, keyFile, otherCaFile: other.cert };
}
