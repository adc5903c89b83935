import type { PgMigration } from "./migrations.ts";

/**
 * What EMQX's PostgreSQL authenticator and authorizer read (src/emqx/emqx-queries.ts): enabled data sources
 * only, so disabling a source takes its credentials and rules away at once. Plain views run with their
 * owner's rights: EMQX's database role needs SELECT on these two views and nothing else (docs/emqx.md).
 */
export const EMQX_SCHEMA: PgMigration = {
  version: 5,
  name: "views for EMQX: credentials and ACLs of enabled data sources",
  sql: `
    CREATE VIEW emqx_mqtt_user AS
      SELECT u.username, u.password_hash, u.salt, u.is_superuser
        FROM data_source_mqtt_user u JOIN data_source d ON d.id = u.username
       WHERE d.enabled;
    CREATE VIEW emqx_mqtt_acl AS
      SELECT a.username, a.action, a.permission, a.topic
        FROM data_source_mqtt_acl a JOIN data_source d ON d.id = a.username
       WHERE d.enabled;
  `,
};
