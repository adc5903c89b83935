import type { Duplex } from "node:stream";

/** Hands one device connection's byte stream, from any transport, to the broker (`EmbeddedBroker.acceptConnection`). */
export type AcceptConnection = (stream: Duplex, remoteAddress: string) => void;

/** The certificate and key a TLS listener presents, PEM. */
export interface ServedCertificate {
  readonly certificatePem: string;
  readonly keyPem: string;
}

/** TLS 1.2 is the oldest version without known protocol weaknesses that small devices still speak. */
export const MIN_TLS_VERSION = "TLSv1.2";
