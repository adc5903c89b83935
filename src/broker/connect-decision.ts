import { randomUUID } from "node:crypto";
import type { IConnectPacket } from "mqtt-packet";
import type { DataSource } from "../domain/data-source.ts";
import { verifyDevicePassword } from "../platform/secrets.ts";
import type { DeviceDirectory } from "./device-directory.ts";
import { REASON } from "./reason-codes.ts";

/** Longest client id accepted: ids are kept per session and written to the log. */
export const MAX_CLIENT_ID_CHARS = 256;

/** MQTT 5's session expiry interval that means "never". */
const NEVER_EXPIRES = 0xffffffff;

/** A CONNECT the endpoint accepts. */
export interface AcceptedConnect {
  readonly accepted: true;
  readonly source: DataSource;
  readonly clientId: string;
  /** Set when the device sent an empty client id and the hub made one up. */
  readonly assignedClientId: string | undefined;
  readonly cleanStart: boolean;
  /** How long the session outlives the connection: 0 not at all, null for ever. */
  readonly expiryMs: number | null;
}

/** A CONNECT the endpoint refuses, with the MQTT 5 reason code, what to tell the device and what to log. */
export interface RefusedConnect {
  readonly accepted: false;
  /** The data source the username names, when it names one: the refusal goes into its connection log. */
  readonly sourceId: string | undefined;
  readonly reasonCode: number;
  readonly reason: string;
  readonly logFields: Record<string, string | undefined>;
}

/**
 * Decides a CONNECT from the device's credentials alone: the username is the data source id, the
 * password its generated secret. `mayUseClientId` tells whether another data source holds the client id.
 */
export function decideConnect(
  packet: IConnectPacket,
  devices: DeviceDirectory,
  mayUseClientId: (clientId: string, sourceId: string) => boolean,
): AcceptedConnect | RefusedConnect {
  const version = packet.protocolVersion ?? 4;
  const cleanStart = packet.clean !== false;
  if (packet.properties?.authenticationMethod !== undefined) {
    return refused(
      REASON.badAuthenticationMethod,
      "extended authentication is not supported; use the username and password",
      {},
    );
  }
  const entry = packet.username === undefined ? undefined : devices.get(packet.username);
  if (!entry || !packet.password || !verifyDevicePassword(packet.password.toString("utf8"), entry.password)) {
    return refused(
      REASON.badUsernameOrPassword,
      "bad username or password",
      { username: packet.username },
      entry?.source.id,
    );
  }
  const source = entry.source;
  if (!source.enabled) {
    return refused(REASON.notAuthorized, "the data source is disabled", { dataSource: source.id });
  }
  let clientId = packet.clientId;
  let assignedClientId: string | undefined;
  if (clientId.length === 0) {
    // MQTT 3.x may only leave the id to the server for a clean session; MQTT 5 always may.
    if (!cleanStart && version !== 5) {
      return refused(REASON.clientIdNotValid, "an empty client id needs a clean session", {
        dataSource: source.id,
      });
    }
    assignedClientId = `aiida-hub-${randomUUID()}`;
    clientId = assignedClientId;
  }
  if (clientId.length > MAX_CLIENT_ID_CHARS || hasInvalidText(clientId)) {
    return refused(
      REASON.clientIdNotValid,
      `the client id must be valid text of at most ${MAX_CLIENT_ID_CHARS} characters`,
      {
        dataSource: source.id,
      },
    );
  }
  if (!mayUseClientId(clientId, source.id)) {
    return refused(REASON.clientIdNotValid, "the client id is in use by another data source", {
      dataSource: source.id,
      clientId,
    });
  }
  return { accepted: true, source, clientId, assignedClientId, cleanStart, expiryMs: expiryOf(packet) };
}

/** How long a session outlives its connection, from the CONNECT: 3.x by its clean flag, 5 by its expiry interval. */
function expiryOf(packet: IConnectPacket): number | null {
  if ((packet.protocolVersion ?? 4) !== 5) return packet.clean === false ? null : 0;
  const seconds = packet.properties?.sessionExpiryInterval ?? 0;
  return seconds >= NEVER_EXPIRES ? null : seconds * 1000;
}

/** MQTT 5 DISCONNECT's expiry interval in the same terms. */
export function expiryFromSeconds(seconds: number): number | null {
  return seconds >= NEVER_EXPIRES ? null : seconds * 1000;
}

/**
 * True for text the protocol forbids in a UTF-8 string: U+0000, and bytes that were not UTF-8 (the
 * parser decodes them to U+FFFD, which a device has no reason to send on purpose).
 */
export function hasInvalidText(text: string): boolean {
  return text.includes("\u0000") || text.includes("\uFFFD");
}

function refused(
  reasonCode: number,
  reason: string,
  logFields: Record<string, string | undefined>,
  sourceId: string | undefined = logFields.dataSource,
): RefusedConnect {
  return { accepted: false, sourceId, reasonCode, reason, logFields };
}
