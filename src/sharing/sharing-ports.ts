import type { OutboundDataNeed } from "../domain/data-need.ts";
import type { SharedDataSource } from "../domain/outbound-record.ts";
import type { SharingFlowReader } from "../domain/sharing-flow.ts";
import type { BrokerCredentials } from "../storage/ports.ts";
import type { PermissionCommand } from "./permission-command.ts";
import type { StatusMessageStatus } from "./status-message.ts";

/**
 * The seam between the permission side (handshake, state machine, API) and the streaming side (MQTT
 * client per permission, schedule, outbox). The permission side owns permissions and their status;
 * the streaming side owns the EP broker connections, the outbox and what was sent.
 */

/** Everything streaming needs of one granted permission; the broker password only ever in memory. */
export interface GrantedPermission {
  readonly permissionId: string;
  readonly eddieId: string;
  readonly connectionId: string;
  readonly dataNeedId: string;
  /** This hub's AIIDA id (finalCustomerId in every CIM document). */
  readonly aiidaId: string;
  readonly dataNeed: OutboundDataNeed;
  readonly dataSource: SharedDataSource;
  readonly credentials: BrokerCredentials;
  /** Epoch ms: records measured before the start or at/after the expiration are not shared. */
  readonly startTime: number;
  readonly expirationTime: number;
  readonly transmissionEnabled: boolean;
  /** The effective 6-field cron schedule (the permission's override, else the data need's). */
  readonly transmissionSchedule: string;
}

/**
 * What the streaming side does for the permission side, and what it tells the HTTP side of each
 * permission's data flow (SharingFlowReader). Every method is idempotent.
 */
export interface PermissionStreaming extends SharingFlowReader {
  /** Streams a permission that is STREAMING_DATA (also after a hub start). */
  start(permission: GrantedPermission): Promise<void>;
  /**
   * After a hub start (or when this instance takes permissions over from another): permissions that were
   * ending deliver what is left; only those `belonging`, if given. `lookup` gives the permission (with its
   * credentials); one it does not know is left as it is.
   */
  resumeFinishing(lookup: PermissionLookup, belonging?: (permissionId: string) => boolean): Promise<void>;
  /**
   * Another instance ended the permission (its final status message is queued): if this instance looks
   * after it, its stream stops taking records and delivers the outbox.
   */
  finishedElsewhere(permissionId: string, lookup: PermissionLookup): Promise<void>;
  /**
   * Another hub instance looks after these permissions from now on: their streams end here without
   * finishing; the outbox keeps what was not delivered.
   */
  letGo(belonging: (permissionId: string) => boolean): Promise<void>;
  /**
   * Ends a permission: queues its final status message in the outbox (durable before this resolves),
   * stops taking records, then delivers what the outbox still holds while EDDIE's broker accepts the
   * credentials, and discards (and counts) the rest. Works also when the permission never streamed.
   */
  finish(permission: GrantedPermission, status: StatusMessageStatus): Promise<void>;
  /** A persisted SET_TRANSMISSION_ENABLED: held messages stay in the outbox while disabled. */
  setTransmissionEnabled(permissionId: string, enabled: boolean): void;
  /** A persisted UPDATE_TRANSMISSION_SCHEDULE (already authorised). */
  setTransmissionSchedule(permissionId: string, schedule: string): void;
  /** Closes every EP connection (hub stop); the outbox keeps what was not delivered. */
  close(): Promise<void>;
}

/** A permission as the streaming side needs it, whoever owns it; undefined when unknown or never granted. */
export type PermissionLookup = (permissionId: string) => Promise<GrantedPermission | undefined>;

/**
 * Which hub instance looks after a permission (runs its timers, streams it) when several share the
 * database. Alone on its database, a hub looks after every permission.
 */
export interface PermissionPlacement {
  /** Whether this instance looks after the permission now. */
  owns(permissionId: string): boolean;
  /** The permission changed on this instance: the instance that looks after it must look at it again. */
  changed(permissionId: string): void;
}

/** Looks after every permission: the hub alone on its database. */
export const ALONE: PermissionPlacement = { owns: () => true, changed: () => {} };

/**
 * What the streaming side hands the permission side: a command that arrived on a permission's own command
 * topic and passed authorizeCommand (permission id of the topic, granted commands, schedule no faster than
 * the data need's). The permission side persists its effect and calls back into PermissionStreaming.
 */
export type AuthorisedCommandHandler = (permissionId: string, command: PermissionCommand) => Promise<void>;
