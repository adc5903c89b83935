import { createPrivateKey, X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../platform/logger.ts";
import {
  createCertificateAuthority,
  issueServerCertificate,
  namesOfCertificate,
  type PemPair,
  shortIp,
} from "./private-ca.ts";
import { type CredentialSource, type TlsCredentials, TlsFileError } from "./tls-credentials.ts";

/** Folder in the data directory that holds the private CA and the server certificate it issued. */
export const TLS_FOLDER = "tls";

/** File names inside the TLS folder; the keys are written with mode 0600. */
export const TLS_FILES = {
  caCertificate: "ca-certificate.pem",
  caKey: "ca-key.pem",
  serverCertificate: "server-certificate.pem",
  serverKey: "server-key.pem",
} as const;

/** A certificate with fewer days than this left is replaced (the server's well before browsers complain). */
export const RENEW_WITH_DAYS_LEFT = 30;

const DAY_MS = 86_400_000;

/**
 * The hub's own private CA in `<data dir>/tls`: made at the first start, it issues the server
 * certificate for the names the hub is reached by, and issues a new one when the names change,
 * when fewer than 30 days are left, or when the files do not fit together.
 */
export class PrivateCaCredentials implements CredentialSource {
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly names: readonly string[],
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.dir = join(dataDir, TLS_FOLDER);
  }

  async current(): Promise<TlsCredentials> {
    // 0700: the folder holds the CA's private key, which could sign a certificate for any name.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const now = this.now();
    const ca = await this.certificateAuthority(now);
    let server = this.readServer();
    const why = server === undefined ? "there was none" : this.whyReissue(server, ca, now);
    if (server === undefined || why !== undefined) {
      server = await issueServerCertificate(ca, this.names, now);
      this.write(TLS_FILES.serverKey, server.keyPem, 0o600);
      this.write(TLS_FILES.serverCertificate, server.certificatePem, 0o644);
      this.logger.info("TLS server certificate issued by the hub's private CA", {
        reason: why,
        names: this.names.join(", "),
        validUntil: new X509Certificate(server.certificatePem).validTo,
      });
    }
    return {
      certificatePem: server.certificatePem,
      keyPem: server.keyPem,
      caCertificatePem: ca.certificatePem,
      notAfter: new Date(new X509Certificate(server.certificatePem).validTo),
    };
  }

  /** The CA from its files, made when there is none, and made anew when it is about to expire. */
  private async certificateAuthority(now: Date): Promise<PemPair> {
    const certificateFile = join(this.dir, TLS_FILES.caCertificate);
    const keyFile = join(this.dir, TLS_FILES.caKey);
    const present = [existsSync(certificateFile), existsSync(keyFile)];
    if (present[0] && present[1]) {
      const ca = readCa(certificateFile, keyFile);
      const daysLeft = (Date.parse(new X509Certificate(ca.certificatePem).validTo) - now.getTime()) / DAY_MS;
      if (daysLeft >= RENEW_WITH_DAYS_LEFT) return ca;
      this.logger.warn(
        "the hub's private CA expires within 30 days and is replaced: every device must be given the new CA certificate",
        { daysLeft: Math.floor(daysLeft) },
      );
    } else if (present[0] || present[1]) {
      throw new TlsFileError(
        `Only one of ${TLS_FILES.caCertificate} and ${TLS_FILES.caKey} is in ${this.dir}; restore both from a backup, or remove both to make a new CA (every device must then be given the new CA certificate).`,
      );
    }
    const ca = await createCertificateAuthority(now);
    this.write(TLS_FILES.caKey, ca.keyPem, 0o600);
    this.write(TLS_FILES.caCertificate, ca.certificatePem, 0o644);
    this.logger.info("the hub's private CA was created", {
      file: certificateFile,
      validUntil: new X509Certificate(ca.certificatePem).validTo,
    });
    return ca;
  }

  /** The server certificate and key from their files; undefined when absent or unreadable (they are made again). */
  private readServer(): PemPair | undefined {
    try {
      return {
        certificatePem: readFileSync(join(this.dir, TLS_FILES.serverCertificate), "utf8"),
        keyPem: readFileSync(join(this.dir, TLS_FILES.serverKey), "utf8"),
      };
    } catch {
      return undefined;
    }
  }

  /** Why the server certificate must be issued again, or undefined when it may be served. */
  private whyReissue(server: PemPair, ca: PemPair, now: Date): string | undefined {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(server.certificatePem);
      if (!certificate.checkPrivateKey(createPrivateKey(server.keyPem))) return "its key did not match";
    } catch {
      return "its files could not be read";
    }
    if (!certificate.verify(new X509Certificate(ca.certificatePem).publicKey)) return "the CA changed";
    const daysLeft = (Date.parse(certificate.validTo) - now.getTime()) / DAY_MS;
    if (daysLeft < RENEW_WITH_DAYS_LEFT) return `it had ${Math.max(0, Math.floor(daysLeft))} days left`;
    const held = namesOfCertificate(server.certificatePem).map(shortIp).sort();
    const wanted = this.names.map(shortIp).sort();
    if (held.join(",") !== wanted.join(",")) return "the names the hub is reached by changed";
    return undefined;
  }

  /** Writes a file whole or not at all: a stop half-way leaves the previous one. */
  private write(name: string, text: string, mode: number): void {
    const file = join(this.dir, name);
    const partial = `${file}.partial`;
    writeFileSync(partial, text, { mode });
    renameSync(partial, file);
  }
}

function readCa(certificateFile: string, keyFile: string): PemPair {
  try {
    const ca = {
      certificatePem: readFileSync(certificateFile, "utf8"),
      keyPem: readFileSync(keyFile, "utf8"),
    };
    if (!new X509Certificate(ca.certificatePem).checkPrivateKey(createPrivateKey(ca.keyPem))) {
      throw new Error("the key does not belong to the certificate");
    }
    return ca;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TlsFileError(
      `The hub's private CA in ${certificateFile} and ${keyFile} cannot be used (${why}); restore both from a backup, or remove both to make a new CA (every device must then be given the new CA certificate).`,
    );
  }
}
