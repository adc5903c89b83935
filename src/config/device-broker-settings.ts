import { hostname } from "node:os";
import { ConfigError } from "./config-error.ts";

/** The device broker's password comes from here only: a flag would show it in the process list. */
export const DEVICE_BROKER_PASSWORD_ENV = "AIIDA_HUB_DEVICE_BROKER_PASSWORD";

/** EMQX's REST API key and secret come from here only, for the same reason. */
export const EMQX_API_KEY_ENV = "AIIDA_HUB_EMQX_API_KEY";
export const EMQX_API_SECRET_ENV = "AIIDA_HUB_EMQX_API_SECRET";

/** Longest client id accepted; MQTT 5 brokers such as EMQX take far longer ones, but the log clips at 128. */
const MAX_CLIENT_ID_CHARS = 128;

/** Where the hub consumes device data when an external broker (EMQX) takes the devices' connections. */
export interface DeviceBrokerSettings {
  readonly url: string;
  readonly username: string | undefined;
  /** Never logged. */
  readonly password: string | undefined;
  /** Names this instance's persistent session: stable across restarts, different for every instance. */
  readonly clientId: string;
}

/** EMQX's REST API and the key that may kick clients; the secret is never logged. */
export interface EmqxApiSettings {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** An mqtt:// or mqtts:// URL without a password in it (the password has its own variable). */
export function deviceBrokerUrl(flag: string): (raw: string) => string {
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`${flag} must be a URL such as mqtt://emqx.internal:1883, got "${raw}".`);
    }
    if (url.password !== "") {
      // The URL is shown in errors and logs; the password must not be.
      throw new ConfigError(
        `${flag} must not contain a password; put it into ${DEVICE_BROKER_PASSWORD_ENV} instead.`,
      );
    }
    if (!["mqtt:", "mqtts:", "tcp:", "ssl:", "ws:", "wss:"].includes(url.protocol)) {
      throw new ConfigError(`${flag} must use mqtt://, mqtts://, ws:// or wss://, got "${raw}".`);
    }
    return raw;
  };
}

/** The base URL of EMQX's REST API (http or https, no credentials in it). */
export function emqxApiUrl(flag: string): (raw: string) => string {
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ConfigError(`${flag} must be a URL such as http://emqx.internal:18083, got "${raw}".`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ConfigError(`${flag} must use http:// or https://, got "${raw}".`);
    }
    if (url.username !== "" || url.password !== "") {
      throw new ConfigError(
        `${flag} must not contain credentials; put the API key into ${EMQX_API_KEY_ENV} and its secret into ${EMQX_API_SECRET_ENV}.`,
      );
    }
    return raw;
  };
}

/** A client id of printable characters without spaces. */
export function clientId(flag: string): (raw: string) => string {
  return (raw) => {
    const id = raw.trim();
    if (!/^[\x21-\x7e]+$/.test(id) || id.length > MAX_CLIENT_ID_CHARS) {
      throw new ConfigError(
        `${flag} must be 1 to ${MAX_CLIENT_ID_CHARS} printable characters without spaces, got "${raw}".`,
      );
    }
    return id;
  };
}

/** The default client id: one per machine (a container's or pod's host name), so a restart resumes its session. */
export function defaultDeviceBrokerClientId(): string {
  return clientId("--device-broker-client-id")(`aiida-hub-${hostname()}`.slice(0, MAX_CLIENT_ID_CHARS));
}

/** The device broker settings, or undefined without --device-broker; the username alone is a mistake. */
export function deviceBrokerSettings(
  values: {
    readonly deviceBroker: string | undefined;
    readonly deviceBrokerUsername: string | undefined;
    readonly deviceBrokerClientId: string | undefined;
  },
  env: NodeJS.ProcessEnv,
): DeviceBrokerSettings | undefined {
  const password = env[DEVICE_BROKER_PASSWORD_ENV] || undefined;
  if (values.deviceBroker === undefined) {
    if (values.deviceBrokerUsername !== undefined || values.deviceBrokerClientId !== undefined) {
      throw new ConfigError(
        "--device-broker-username and --device-broker-client-id take effect only with --device-broker; add it.",
      );
    }
    return undefined;
  }
  if (password !== undefined && values.deviceBrokerUsername === undefined) {
    throw new ConfigError(`${DEVICE_BROKER_PASSWORD_ENV} needs --device-broker-username.`);
  }
  return Object.freeze({
    url: values.deviceBroker,
    username: values.deviceBrokerUsername,
    password,
    clientId: values.deviceBrokerClientId ?? defaultDeviceBrokerClientId(),
  });
}

/** The EMQX API settings, or undefined without --emqx-api; with it, key and secret are required. */
export function emqxApiSettings(
  baseUrl: string | undefined,
  env: NodeJS.ProcessEnv,
): EmqxApiSettings | undefined {
  if (baseUrl === undefined) return undefined;
  const apiKey = env[EMQX_API_KEY_ENV] || undefined;
  const apiSecret = env[EMQX_API_SECRET_ENV] || undefined;
  if (apiKey === undefined || apiSecret === undefined) {
    throw new ConfigError(
      `--emqx-api needs the API key in ${EMQX_API_KEY_ENV} and its secret in ${EMQX_API_SECRET_ENV} (EMQX Dashboard → System → API Keys).`,
    );
  }
  return Object.freeze({ baseUrl, apiKey, apiSecret });
}
