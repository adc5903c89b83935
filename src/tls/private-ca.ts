import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from "node:crypto";
import { isIpAddress } from "./server-names.ts";
import { x509Library } from "./x509.ts";

/** ECDSA P-256 with SHA-256: small keys every TLS client of the last decade accepts. */
const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** The private CA lives long: every device that trusts it would have to be given a new one. */
export const CA_VALID_DAYS = 3650;

/** The longest validity browsers accept for a server certificate (Apple and Chrome cap it at 398 days). */
export const SERVER_VALID_DAYS = 397;

/** Certificates start this long before their issue, so a device whose clock is a little behind accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;

const DAY_MS = 86_400_000;

/** A certificate and its private key, both PEM. */
export interface PemPair {
  readonly certificatePem: string;
  readonly keyPem: string;
}

async function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
}

async function keyPemOf(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await x509Library();
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

/** Makes a new private CA: a self-signed certificate that may sign server certificates only. */
export async function createCertificateAuthority(now: Date, validDays = CA_VALID_DAYS): Promise<PemPair> {
  const x509 = await x509Library();
  const keys = await newKeyPair();
  // A random suffix tells two hubs' CAs apart in a device's or browser's list of trusted ones.
  const name = `CN=aiida-hub private CA ${randomBytes(4).toString("hex")}, O=aiida-hub`;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name,
    keys,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validDays * DAY_MS),
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: certificate.toString("pem"), keyPem: await keyPemOf(keys.privateKey) };
}

/** Issues a server certificate for these names (DNS names and IP addresses), signed by the CA. */
export async function issueServerCertificate(
  ca: PemPair,
  names: readonly string[],
  now: Date,
  validDays = SERVER_VALID_DAYS,
): Promise<PemPair> {
  const [first] = names;
  if (first === undefined) throw new Error("a server certificate needs at least one name");
  const x509 = await x509Library();
  const caCertificate = new x509.X509Certificate(ca.certificatePem);
  const caKey = await webcrypto.subtle.importKey(
    "pkcs8",
    createPrivateKey(ca.keyPem).export({ format: "der", type: "pkcs8" }),
    KEY_ALGORITHM,
    false,
    ["sign"],
  );
  const keys = await newKeyPair();
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${first}`,
    issuer: caCertificate.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + validDays * DAY_MS),
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((value) => ({ type: isIpAddress(value) ? "ip" : "dns", value })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
    ],
  });
  return { certificatePem: certificate.toString("pem"), keyPem: await keyPemOf(keys.privateKey) };
}

/** The subject alternative names of a certificate, IP addresses in their shortest form. */
export function namesOfCertificate(certificatePem: string): string[] {
  // Node's own parser: "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1".
  const altNames = new X509Certificate(certificatePem).subjectAltName;
  if (altNames === undefined) return [];
  return altNames.split(", ").flatMap((entry) => {
    if (entry.startsWith("DNS:")) return [entry.slice("DNS:".length)];
    if (entry.startsWith("IP Address:")) return [shortIp(entry.slice("IP Address:".length))];
    return [];
  });
}

/** An IP address as URLs write it (IPv6 compressed, e.g. "::1"), so two spellings compare equal. */
export function shortIp(ip: string): string {
  return isIpAddress(ip) && ip.includes(":") ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}
