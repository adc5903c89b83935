import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigurationError } from "./configuration-error.ts";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Reads the --ca file: the PEM certificate(s) a TLS broker's certificate must chain to. Node would take
 * a file without any certificate silently and fail every handshake later, so each block is parsed here.
 */
export function readCaFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigurationError(`cannot read the CA file ${path} (--ca): ${reason}`);
  }
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new ConfigurationError(
      `the CA file ${path} (--ca) holds no PEM certificate (a "-----BEGIN CERTIFICATE-----" block)`,
    );
  }
  blocks.forEach((block, index) => {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new ConfigurationError(
        `certificate ${index + 1} in the CA file ${path} (--ca) cannot be read: ${(error as Error).message}`,
      );
    }
  });
  return blocks;
}
