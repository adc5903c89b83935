import type { Server } from "node:http";
import { join } from "node:path";
import { ConfigError, type HubConfig } from "./config/hub-config.ts";
import type { TlsInfo } from "./http/http-context.ts";
import type { Logger } from "./platform/logger.ts";
import { CertificateKeeper } from "./tls/certificate-keeper.ts";
import { OwnCertificateFiles } from "./tls/own-certificate-files.ts";
import { PrivateCaCredentials, TLS_FOLDER } from "./tls/private-ca-credentials.ts";
import { serverNames } from "./tls/server-names.ts";
import { TlsFileError } from "./tls/tls-credentials.ts";
import type { AcceptConnection } from "./transport/accept-connection.ts";
import { HttpsListener, type RequestHandler } from "./transport/https-listener.ts";
import { MqttOverWebSocket } from "./transport/mqtt-over-websocket.ts";
import { MqttsListener } from "./transport/mqtts-listener.ts";

/**
 * The transports beside plain MQTT and HTTP: MQTT over WebSocket on the HTTP(S) port, and with
 * `--tls` the certificates, MQTT over TLS and HTTPS. Each listener hands device streams to the broker.
 */
export class HubTransports {
  private readonly keeper: CertificateKeeper | undefined;
  private readonly mqtts: MqttsListener;
  private readonly https = new HttpsListener();
  private readonly webSocket: MqttOverWebSocket;

  constructor(
    private readonly config: HubConfig,
    logger: Logger,
    accept: AcceptConnection,
    maxPacketBytes: number,
  ) {
    this.mqtts = new MqttsListener(accept, logger);
    this.webSocket = new MqttOverWebSocket(accept, maxPacketBytes);
    if (!config.tls) return;
    const source =
      config.tlsCert !== undefined && config.tlsKey !== undefined
        ? new OwnCertificateFiles(config.tlsCert, config.tlsKey, logger)
        : new PrivateCaCredentials(config.dataDir, serverNames(config.host, config.publicHosts), logger);
    this.keeper = new CertificateKeeper(source, logger);
    this.keeper.onChange((credentials) => {
      this.mqtts.updateCertificate(credentials);
      this.https.updateCertificate(credentials);
    });
  }

  /** Loads the certificate, issuing or renewing what is due, before anything listens. */
  async prepareCertificates(): Promise<void> {
    try {
      await this.keeper?.start();
    } catch (error) {
      if (error instanceof TlsFileError) throw new ConfigError(error.message);
      throw error;
    }
  }

  /** TLS as the API tells it (the CA download). */
  tlsInfo(): TlsInfo {
    if (!this.keeper) return { mode: "off" };
    const ca = this.keeper.current.caCertificatePem;
    return ca === undefined ? { mode: "own-certificate" } : { mode: "private-ca", caCertificatePem: ca };
  }

  /** Where the generated CA lives, for the log; undefined with own certificate files or TLS off. */
  get caFolder(): string | undefined {
    return this.tlsInfo().mode === "private-ca" ? join(this.config.dataDir, TLS_FOLDER) : undefined;
  }

  /** Starts MQTT over TLS (only with --tls); resolves with its port. */
  async listenMqtts(): Promise<number | undefined> {
    if (!this.keeper) return undefined;
    return this.mqtts.listen(this.config.host, this.config.mqttsPort, this.keeper.current);
  }

  /** Starts HTTPS answered by the app's handler, with MQTT over WebSocket (only with --tls); resolves with its port. */
  async listenHttps(handler: RequestHandler): Promise<number | undefined> {
    if (!this.keeper) return undefined;
    const port = await this.https.listen(
      this.config.host,
      this.config.httpsPort,
      this.keeper.current,
      handler,
    );
    const server = this.https.server;
    if (server) this.webSocket.attach(server);
    return port;
  }

  /** Serves MQTT over WebSocket at /mqtt on the plain HTTP server. */
  attachWebSocket(server: Server): void {
    this.webSocket.attach(server);
  }

  /** Checks the certificate now, as the daily check does (renewal, own files replaced). */
  async checkCertificates(): Promise<void> {
    await this.keeper?.check();
  }

  /** Closes the WebSocket connections and HTTPS: before the HTTP server closes, which would wait for them. */
  async closeWebAccess(): Promise<void> {
    this.webSocket.close();
    await this.https.close();
  }

  /** Closes MQTT over TLS (the broker has closed its connections) and stops the daily check. */
  async closeMqtts(): Promise<void> {
    await this.mqtts.close();
    this.keeper?.stop();
  }
}
