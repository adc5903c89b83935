/** How a SQLite column's value becomes a PostgreSQL one. */
export type ColumnKind = "plain" | "bool" | "time" | "bytes" | "sha256";

/** One column copied: its PostgreSQL name, the SQLite expression that reads it, and how it converts. */
export interface CopiedColumn {
  readonly name: string;
  /** The SQLite expression; the column of the same name when absent. */
  readonly from?: string;
  readonly kind?: ColumnKind;
}

/** A table copied row for row. */
export interface TableCopy {
  /** The PostgreSQL table. */
  readonly table: string;
  /** The SQLite table (or a FROM clause) the rows come from. */
  readonly source: string;
  readonly columns: readonly CopiedColumn[];
  /** Its identity column, written with OVERRIDING SYSTEM VALUE and its sequence moved past the copied ids. */
  readonly identity?: string;
  /** How a row that is already there is treated: kept (a resumed copy), or replaced with the SQLite row. */
  readonly onConflict: "keep" | { readonly replace: string };
  /**
   * A table without a key: its rows of the copied owners are deleted before they are copied again, in the
   * same transaction, so a resumed copy never doubles them. The column naming the owner.
   */
  readonly replaceBy?: string;
  /** The order rows are read (and so numbered, where PostgreSQL numbers them). */
  readonly orderBy?: string;
}

const col = (name: string, kind?: ColumnKind, from?: string): CopiedColumn => ({
  name,
  ...(kind !== undefined && { kind }),
  ...(from !== undefined && { from }),
});

/**
 * Every table the hub keeps besides records, values and rollups, in an order that satisfies the foreign
 * keys. Rollups are not copied: the hub's rollup job builds them on PostgreSQL from the copied values.
 */
export const TABLE_COPIES: readonly TableCopy[] = [
  {
    table: "aiida_application_information",
    source: "aiida_application_information",
    columns: [col("aiida_id"), col("created_at", "time"), col("secret_key_check", "bytes")],
    onConflict: "keep",
  },
  {
    table: "data_source",
    source: "data_source",
    identity: "key",
    columns: [
      col("key"),
      col("id"),
      col("owner"),
      col("name"),
      col("type"),
      col("asset"),
      col("role"),
      col("country_code"),
      col("icon"),
      col("meter_id"),
      col("operator_id"),
      col("plausibility"),
      col("enabled", "bool"),
      col("created_at", "time"),
      col("updated_at", "time"),
    ],
    onConflict: "keep",
  },
  {
    table: "ingest_counter",
    source: "data_source",
    columns: [
      col("data_source_key", undefined, "key"),
      col("messages_accepted"),
      col("messages_rejected"),
      col("values_accepted"),
      col("values_rejected"),
      col("last_message_at", "time"),
    ],
    onConflict: { replace: "data_source_key" },
  },
  {
    table: "data_source_mqtt_user",
    source: "data_source_mqtt_user",
    columns: [col("username"), col("password_hash"), col("salt"), col("is_superuser", "bool")],
    onConflict: "keep",
  },
  {
    table: "data_source_mqtt_acl",
    source: "data_source_mqtt_acl",
    columns: [col("username"), col("action"), col("permission"), col("topic")],
    onConflict: "keep",
    replaceBy: "username",
  },
  { table: "deleted_data_source", source: "deleted_data_source", columns: [col("key")], onConflict: "keep" },
  {
    table: "admin_user",
    source: "admin_user",
    columns: [col("username"), col("password_hash")],
    onConflict: { replace: "username" },
  },
  {
    table: "admin_session",
    source: "admin_session",
    columns: [col("token_digest"), col("username"), col("expires_at", "time")],
    onConflict: "keep",
  },
  {
    table: "permission",
    source: "permission",
    // PostgreSQL numbers permissions as they come (added_order): the order SQLite added them.
    orderBy: "rowid",
    columns: [
      col("permission_id"),
      col("owner"),
      col("eddie_id"),
      col("status"),
      col("handshake_url"),
      col("access_token", "bytes"),
      col("added_at", "time"),
      col("updated_at", "time"),
      col("connection_id"),
      col("data_need_id"),
      col("meter_id"),
      col("start_time", "time"),
      col("expiration_time", "time"),
      col("data_need"),
      col("problems"),
      col("status_reason"),
      col("grant_time", "time"),
      col("revoke_time", "time"),
      col("data_source_id"),
      col("data_source"),
      col("transmission_enabled", "bool"),
      col("transmission_schedule"),
      col("next_step"),
      col("attempts"),
      col("next_attempt_at", "time"),
      col("last_error"),
    ],
    onConflict: "keep",
  },
  {
    table: "permission_mqtt_credentials",
    source: "permission_mqtt_credentials",
    columns: [
      col("permission_id"),
      col("server_uri"),
      col("broker_url"),
      col("username"),
      col("password", "bytes"),
      col("data_topic"),
      col("status_topic"),
      col("command_topic"),
      col("acknowledgement_topic"),
      col("received_at", "time"),
    ],
    onConflict: "keep",
  },
  {
    table: "sharing_outbox",
    source: "sharing_outbox",
    identity: "id",
    columns: [
      col("id"),
      col("permission_id"),
      col("kind"),
      col("channel"),
      col("topic"),
      col("payload"),
      col("retain", "bool"),
      col("data_tags"),
      col("created_at", "time"),
    ],
    onConflict: "keep",
  },
  {
    table: "sharing_stream_state",
    source: "sharing_stream_state",
    columns: [
      col("permission_id"),
      col("data_messages"),
      col("dropped_oldest"),
      col("discarded_at_end"),
      col("finishing_status"),
      col("finishing_since", "time"),
      col("finished_at", "time"),
    ],
    onConflict: { replace: "permission_id" },
  },
  {
    table: "sharing_consent_value",
    source: "sharing_consent_value",
    columns: [
      col("permission_id"),
      col("schema"),
      col("obis_code"),
      col("values_sent"),
      col("first_sent_at", "time"),
      col("last_sent_at", "time"),
    ],
    onConflict: "keep",
  },
  {
    table: "sharing_last_sent",
    source: "sharing_last_sent",
    columns: [col("permission_id"), col("channel"), col("sent_at", "time"), col("payload")],
    onConflict: "keep",
  },
  {
    table: "device_session",
    source: "device_session",
    columns: [
      col("client_key", "sha256", "client_id"),
      col("client_id"),
      col("data_source_id"),
      col("feedback_qos"),
      col("expires_at", "time"),
    ],
    onConflict: "keep",
  },
  {
    table: "device_session_feedback",
    source: "device_session_feedback",
    identity: "id",
    columns: [
      col("id"),
      col("client_key", "sha256", "client_id"),
      col("payload", "bytes"),
      col("queued_at", "time"),
    ],
    onConflict: "keep",
  },
  {
    table: "feedback_report",
    source: "feedback_report",
    identity: "id",
    columns: [col("id"), col("data_source_key"), col("report")],
    onConflict: "keep",
  },
];
