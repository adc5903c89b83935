/**
 * The SQL EMQX 5 runs against the hub's PostgreSQL database, in EMQX's template form: EMQX turns each
 * `${username}` into a bind parameter ($1) of a prepared statement, so a username never becomes SQL.
 * Both read the views of storage/postgres/schema-emqx.ts, which leave out disabled data sources.
 */

/** The password-based authenticator's query: the columns EMQX's sha256/prefix check reads. */
export const EMQX_AUTHN_QUERY =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: EMQX's placeholder, not a JavaScript template.
  "SELECT password_hash, salt, is_superuser FROM emqx_mqtt_user WHERE username = ${username} LIMIT 1";

/** The authorizer's query: one rule per row, `permission` allow/deny, `action` publish/subscribe/all, `topic`. */
export const EMQX_AUTHZ_QUERY =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: EMQX's placeholder, not a JavaScript template.
  "SELECT permission, action, topic FROM emqx_mqtt_acl WHERE username = ${username}";
