import type { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { request } from "node:https";
import { connect, type PeerCertificate } from "node:tls";

/** The certificate a TLS server presents, read over a fresh connection that trusts `ca`. */
export async function servedCertificate(port: number, ca: string): Promise<X509Certificate> {
  const socket = connect({ host: "127.0.0.1", port, ca, servername: "localhost" });
  try {
    await once(socket, "secureConnect");
    const certificate = socket.getPeerX509Certificate();
    if (!certificate) throw new Error("the server presented no certificate");
    return certificate;
  } finally {
    socket.destroy();
  }
}

/** The error a TLS client that trusts only `ca` (or only the system's CAs when undefined) meets. */
export async function handshakeError(port: number, ca?: string): Promise<NodeJS.ErrnoException> {
  const socket = connect({
    host: "127.0.0.1",
    port,
    servername: "localhost",
    ...(ca !== undefined && { ca }),
  });
  try {
    await once(socket, "secureConnect");
    const peer: PeerCertificate = socket.getPeerCertificate();
    throw new Error(`the handshake succeeded with ${peer.subject?.CN}`);
  } catch (error) {
    return error as NodeJS.ErrnoException;
  } finally {
    socket.destroy();
  }
}

/** A response read over HTTPS. */
export interface HttpsResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTPS request that trusts only `ca` (node's fetch takes no CA of its own). */
export async function httpsRequest(
  url: string,
  ca: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpsResponse> {
  const req = request(url, { method: options.method ?? "GET", headers: options.headers ?? {}, ca });
  req.end(options.body);
  const [res] = (await once(req, "response")) as [import("node:http").IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") };
}
