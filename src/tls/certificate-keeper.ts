import type { Logger } from "../platform/logger.ts";
import type { CredentialSource, TlsCredentials } from "./tls-credentials.ts";

/** How often the certificates are checked for renewal (and own files read again) while the hub runs. */
export const CHECK_EVERY_MS = 86_400_000;

/**
 * Holds the credentials the TLS servers present, checks them daily, and tells the servers when they
 * changed (a renewed or re-issued certificate), so new connections get it without a restart.
 */
export class CertificateKeeper {
  private credentials: TlsCredentials | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(credentials: TlsCredentials) => void>();

  constructor(
    private readonly source: CredentialSource,
    private readonly logger: Logger,
    private readonly checkEveryMs = CHECK_EVERY_MS,
  ) {}

  /** Loads the credentials (issuing what is due); a TlsFileError says which file to fix. */
  async start(): Promise<TlsCredentials> {
    const credentials = await this.source.current();
    this.credentials = credentials;
    this.timer = setInterval(() => void this.check(), this.checkEveryMs);
    // The daily check must not keep a stopping process alive.
    this.timer.unref();
    return credentials;
  }

  get current(): TlsCredentials {
    if (!this.credentials) throw new Error("the TLS credentials are not loaded yet");
    return this.credentials;
  }

  /** Called with the new credentials whenever a check finds they changed. */
  onChange(listener: (credentials: TlsCredentials) => void): void {
    this.listeners.add(listener);
  }

  /** Checks now; on a failure the servers keep what they present and the log says why. */
  async check(): Promise<void> {
    try {
      const next = await this.source.current();
      const previous = this.credentials;
      this.credentials = next;
      if (previous?.certificatePem === next.certificatePem && previous.keyPem === next.keyPem) return;
      this.logger.info("TLS certificate changed; new connections get the new one", {
        validUntil: next.notAfter.toISOString(),
      });
      for (const listener of this.listeners) listener(next);
    } catch (error) {
      this.logger.error("TLS certificate check failed; the current certificate stays in use", {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
