import type { FastifyInstance } from "fastify";
import { HubError } from "../domain/hub-error.ts";
import type { HttpContext } from "./http-context.ts";
import { PUBLIC_ROUTE } from "./route-access.ts";

/** The file name browsers save the CA certificate as; the UI's snippets refer to it by this name. */
export const CA_CERTIFICATE_FILE_NAME = "aiida-hub-ca.pem";

/** The hub's private CA certificate, for devices and browsers to trust; public, as a certificate is. */
export function registerTlsRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get("/api/tls/ca-certificate", PUBLIC_ROUTE, async (_request, reply) => {
    const tls = ctx.tls();
    if (tls.mode === "off") {
      throw new HubError(
        "NOT_FOUND",
        "TLS is off, so there is no CA certificate; start the hub with --tls to have one made.",
      );
    }
    if (tls.mode === "own-certificate") {
      throw new HubError(
        "NOT_FOUND",
        "The hub serves its own certificate (--tls-cert), not one from its private CA; devices trust the CA that issued that certificate.",
      );
    }
    return reply
      .header("content-type", "application/x-pem-file")
      .header("content-disposition", `attachment; filename="${CA_CERTIFICATE_FILE_NAME}"`)
      .send(tls.caCertificatePem);
  });
}
