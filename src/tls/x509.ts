import type * as X509 from "@peculiar/x509";

let loaded: Promise<typeof X509> | undefined;

/**
 * @peculiar/x509, loaded on first use: only a hub with --tls and its own CA makes certificates, and the
 * library (with tsyringe and its ASN.1 schemas) holds ~8 MiB that every other hub would carry idle.
 */
export function x509Library(): Promise<typeof X509> {
  // tsyringe, which @peculiar/x509 resolves its parts through, refuses to load without a Reflect metadata polyfill.
  loaded ??= import("reflect-metadata").then(() => import("@peculiar/x509"));
  return loaded;
}
