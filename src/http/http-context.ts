import type { ConnectionEvent } from "../domain/connection-event.ts";
import type { SharingFlowReader } from "../domain/sharing-flow.ts";
import type { FeedbackBus, RecordBus } from "../ingest/record-bus.ts";
import type { AdminAuth } from "../services/admin-auth.ts";
import type { DataSourceService } from "../services/data-source-service.ts";
import type { SourceHealth } from "../services/health.ts";
import type { PermissionService } from "../sharing/permission-service.ts";
import type { DataSourceStore, RecordStore } from "../storage/ports.ts";
import type { LiveStreams } from "./live-streams.ts";

/** How the hub serves TLS: not at all, with an own certificate, or with one from its private CA. */
export type TlsInfo =
  | { readonly mode: "off" }
  | { readonly mode: "own-certificate" }
  | { readonly mode: "private-ca"; readonly caCertificatePem: string };

/** What the HTTP routes need from the rest of the hub. */
export interface HttpContext {
  readonly auth: AdminAuth;
  readonly dataSources: DataSourceService;
  readonly dataSourceStore: DataSourceStore;
  /** Permissions to share data with EDDIE, and this hub's AIIDA id. */
  readonly permissions: PermissionService;
  readonly records: RecordStore;
  readonly recordBus: RecordBus;
  readonly feedbackBus: FeedbackBus;
  /**
   * A live viewer of a data source (or of every one, "all") opened: other hub instances on the same
   * database then send it their records. Returns what the viewer's end calls.
   */
  readonly watchLive: (dataSourceId: string) => () => void;
  /** The open Server-Sent Event streams and their limits. */
  readonly liveStreams: LiveStreams;
  readonly brokerUrl: () => string;
  /** Health from the broker's connection state and the last message time the caller already read. */
  readonly healthOf: (dataSourceId: string, lastMessageAt: number | null) => SourceHealth;
  /** The data source's last MQTT connection events (connected, disconnected, refused), newest first. */
  readonly connectionsOf: (dataSourceId: string) => readonly ConnectionEvent[];
  /** Why the hub as a whole is not healthy (it can store nothing), or undefined while it is. */
  readonly hubProblem: () => string | undefined;
  readonly version: string;
  /** The hub's --time-zone: the calendar energy periods follow, exports' local times and the UI's times are in. */
  readonly timeZone: string;
  /** What the streaming side tells of each permission's data flow and of the values it sent. */
  readonly sharingFlow: SharingFlowReader;
  /** Whether TLS is on and which CA devices trust; read per request, as a renewal may replace the CA. */
  readonly tls: () => TlsInfo;
  /** Energy per period: the longest gap between readings it bridges (--energy-max-gap). */
  readonly energyMaxGapSeconds: number;
}
