/** What a TLS server presents: its certificate (PEM, with any chain), key, and the CA devices trust. */
export interface TlsCredentials {
  readonly certificatePem: string;
  readonly keyPem: string;
  /** The hub's private CA certificate (PEM); undefined when the hub serves an own certificate. */
  readonly caCertificatePem: string | undefined;
  /** When the served certificate expires. */
  readonly notAfter: Date;
}

/** A certificate or key file that cannot be used, worded as one sentence that says what to do. */
export class TlsFileError extends Error {
  override readonly name = "TlsFileError";
}

/** Where the hub's TLS credentials come from: own files or its private CA. */
export interface CredentialSource {
  /** Reads (and, for the private CA, issues or renews) the credentials to serve now. */
  current(): Promise<TlsCredentials>;
}
