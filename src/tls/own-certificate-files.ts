import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import type { Logger } from "../platform/logger.ts";
import { RENEW_WITH_DAYS_LEFT } from "./private-ca-credentials.ts";
import { type CredentialSource, type TlsCredentials, TlsFileError } from "./tls-credentials.ts";

const DAY_MS = 86_400_000;

/**
 * A certificate and key the household brings (`--tls-cert`, `--tls-key`), read again at every check,
 * so a certificate renewed in place (certbot, a router's ACME client) is served without a restart.
 */
export class OwnCertificateFiles implements CredentialSource {
  constructor(
    private readonly certificateFile: string,
    private readonly keyFile: string,
    private readonly logger: Logger,
  ) {}

  async current(): Promise<TlsCredentials> {
    const certificatePem = readText(this.certificateFile, "--tls-cert", "certificate");
    const keyPem = readText(this.keyFile, "--tls-key", "private key");
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(certificatePem);
    } catch {
      throw new TlsFileError(`--tls-cert ${this.certificateFile} holds no PEM certificate.`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(keyPem);
    } catch {
      throw new TlsFileError(`--tls-key ${this.keyFile} holds no unencrypted PEM private key.`);
    }
    if (!certificate.checkPrivateKey(key)) {
      throw new TlsFileError(
        `--tls-key ${this.keyFile} is not the key of the certificate in --tls-cert ${this.certificateFile}.`,
      );
    }
    try {
      createSecureContext({ cert: certificatePem, key: keyPem });
    } catch (error) {
      throw new TlsFileError(`--tls-cert and --tls-key cannot be served: ${(error as Error).message}.`);
    }
    const notAfter = new Date(certificate.validTo);
    const daysLeft = Math.floor((notAfter.getTime() - Date.now()) / DAY_MS);
    if (daysLeft < RENEW_WITH_DAYS_LEFT) {
      this.logger.warn("the certificate in --tls-cert expires soon or has expired; renew it", {
        file: this.certificateFile,
        validUntil: certificate.validTo,
        daysLeft,
      });
    }
    return { certificatePem, keyPem, caCertificatePem: undefined, notAfter };
  }
}

function readText(file: string, flag: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TlsFileError(`The ${what} file ${file} (${flag}) cannot be read (${code}).`);
  }
}
