/** Certificate checks that fail when the broker's certificate does not chain to a trusted CA. */
const UNTRUSTED_CERTIFICATE = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
]);

/** Other certificate checks, in words. */
const CERTIFICATE_PROBLEMS: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: "the broker's certificate has expired",
  CERT_NOT_YET_VALID: "the broker's certificate is not valid yet (is this machine's clock right?)",
  CERT_REVOKED: "the broker's certificate was revoked",
  ERR_TLS_CERT_ALTNAME_INVALID: "the broker's certificate is not for this host name",
};

/** Node's words for a socket the broker closed before the TLS handshake finished. */
const CLOSED_IN_HANDSHAKE = "before secure TLS connection was established";

/**
 * Explains an error of a TLS connection attempt in a sentence's tail (after "the TLS handshake with the
 * broker … failed: "), or undefined when the error is not about TLS. `caGiven`: whether --ca was used.
 */
export function describeTlsFailure(error: Error, caGiven: boolean): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") {
    // mqtt.js reports a handshake Node completed but did not authorise in its own words.
    return error.message === "TLS not authorized"
      ? `the broker's certificate is not trusted${caHint(caGiven)}`
      : undefined;
  }
  if (UNTRUSTED_CERTIFICATE.has(code)) {
    return `the broker's certificate is not trusted (${error.message})${caHint(caGiven)}`;
  }
  const problem = CERTIFICATE_PROBLEMS[code];
  if (problem !== undefined) return `${problem} (${error.message})`;
  if (code === "EPROTO" || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) {
    return `${error.message} (does that port speak TLS?)`;
  }
  if (error.message.includes(CLOSED_IN_HANDSHAKE))
    return "the broker closed the connection during the handshake";
  return undefined;
}

function caHint(caGiven: boolean): string {
  return caGiven
    ? ": is --ca the CA that signed the hub's certificate?"
    : ": give the CA that signed the hub's certificate with --ca <file>";
}
