// @peculiar/x509 resolves its parts through tsyringe, which refuses to load without a Reflect metadata polyfill.
import "reflect-metadata";

export * as x509 from "@peculiar/x509";
