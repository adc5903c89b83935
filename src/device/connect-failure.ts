import { type MqttVersion, mqttVersionName } from "./mqtt-version.ts";
import { describeNetworkError } from "./network-error.ts";
import { reasonCodeName } from "./reason-code.ts";
import { quoteRemoteText } from "./remote-text.ts";
import { describeTlsFailure } from "./tls-failure.ts";

/** What the explanation needs to know about the connection that failed. */
export interface ConnectAttempt {
  readonly brokerUrl: string;
  readonly username: string;
  readonly mqttVersion: MqttVersion;
  readonly caGiven: boolean;
}

/** Why a connection attempt failed: the CONNACK refusal code if there was one, and a sentence for the user. */
export interface ConnectFailure {
  readonly code: number | undefined;
  /** The broker refused the username or password (or the data source): retried only at the back-off cap. */
  readonly credentialsRefused: boolean;
  readonly message: string;
}

/** Names of the refusals the publisher's users meet; others take mqtt.js's name of the reason code. */
const CONNACK_REFUSALS: Readonly<Record<number, string>> = {
  1: "unacceptable protocol version",
  2: "client id rejected",
  3: "server unavailable",
  4: "bad username or password",
  5: "not authorized",
  133: "client id not valid",
  134: "bad username or password",
  135: "not authorized",
  149: "packet too large",
};
const BAD_CREDENTIALS = new Set([4, 0x86]);
const NOT_AUTHORIZED = new Set([5, 0x87]);
const UNSUPPORTED_VERSION = new Set([1, 0x84]);

/** MQTT 5 reason codes are written in hex, as the standard lists them; MQTT 3 return codes stay decimal. */
function codeText(code: number): string {
  return code >= 0x80 ? `0x${code.toString(16)}` : String(code);
}

function refusalName(code: number): string {
  return CONNACK_REFUSALS[code] ?? reasonCodeName(code) ?? "unknown reason";
}

/**
 * Explains a failed connection attempt: a CONNACK refusal (with the broker's MQTT 5 reason string), a
 * failed TLS handshake, or an unreachable broker. `reasonString` is the refusing CONNACK's, if it had one.
 */
export function explainConnectFailure(
  attempt: ConnectAttempt,
  error: Error | undefined,
  reasonString: string | undefined,
): ConnectFailure {
  const raw = (error as { code?: unknown } | undefined)?.code;
  const code = typeof raw === "number" ? raw : undefined;
  const broker = attempt.brokerUrl;
  if (code !== undefined) {
    const connack = `CONNACK ${codeText(code)}: ${refusalName(code)}`;
    const says = reasonString === undefined ? "" : `: the broker says ${quoteRemoteText(reasonString)}`;
    if (BAD_CREDENTIALS.has(code)) {
      const message =
        `the broker ${broker} refused the credentials (${connack})${says}: check --username ` +
        `(the data source id, now "${attempt.username}") and --password (shown once when the data source was created; ` +
        "regenerate it in the hub if it is lost)";
      return { code, credentialsRefused: true, message };
    }
    // "Not authorized" without a reason: our hub's answer for a disabled data source, and Mosquitto's for a
    // wrong password. A new password would not help the first; a hub that says why needs no guess.
    if (NOT_AUTHORIZED.has(code) && reasonString === undefined) {
      const message =
        `the broker ${broker} refused the connection (${connack}): the data source is disabled, or the password ` +
        `is wrong: check in the hub that the data source "${attempt.username}" (--username) is enabled, and that ` +
        "--password is its current password";
      return { code, credentialsRefused: true, message };
    }
    const versionHint = UNSUPPORTED_VERSION.has(code)
      ? `; it does not speak MQTT ${mqttVersionName(attempt.mqttVersion)}: try another --mqtt-version`
      : "";
    return {
      code,
      credentialsRefused: NOT_AUTHORIZED.has(code),
      message: `the broker ${broker} refused the connection (${connack})${says}${versionHint}`,
    };
  }
  const tls = error === undefined ? undefined : describeTlsFailure(error, attempt.caGiven);
  if (tls !== undefined) {
    return {
      code,
      credentialsRefused: false,
      message: `the TLS handshake with the broker ${broker} failed: ${tls}`,
    };
  }
  // A TLS client on a plain MQTT port is cut off at its first bytes; Node only sees the reset.
  const tlsUrl = /^(mqtts|wss):/.test(broker);
  const reset = (error as { code?: unknown } | undefined)?.code === "ECONNRESET";
  const what = error ? describeNetworkError(error) : "connection closed";
  const message =
    tlsUrl && reset
      ? `cannot reach the broker ${broker}: ${what} before the broker answered (does that port speak TLS?)`
      : `cannot reach the broker ${broker}: ${what}`;
  return { code, credentialsRefused: false, message };
}
