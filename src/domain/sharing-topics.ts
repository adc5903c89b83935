import { schemaTopicName } from "./data-need.ts";

/** Prefix of every topic of a permission on EDDIE's broker. */
const PREFIX = "aiida/v1";

/** The topics of one permission on EDDIE's broker, as EDDIE's MqttDto names them. */
export interface SharingTopics {
  /** Outbound data goes to `<data>/<schema topic name>`. */
  readonly data: string;
  readonly status: string;
  /** A wildcard: EDDIE publishes each command to `…/command/<ACTION>`. */
  readonly command: string;
  /** Only for data needs that require acknowledgements (inbound). */
  readonly acknowledgement: string;
}

/** The topics EDDIE hands out for an outbound permission. */
export function sharingTopics(permissionId: string): SharingTopics {
  const base = `${PREFIX}/${permissionId}`;
  return {
    data: `${base}/data/outbound`,
    status: `${base}/status`,
    command: `${base}/command/+`,
    acknowledgement: `${base}/acknowledgement`,
  };
}

/** The topic one schema's document of a permission is published to. */
export function outboundDataTopic(permissionId: string, schema: string): string {
  return `${sharingTopics(permissionId).data}/${schemaTopicName(schema)}`;
}

/** The permission id and action of a command topic `aiida/v1/<id>/command/<ACTION>`; undefined for any other topic. */
export function parseCommandTopic(topic: string): { permissionId: string; action: string } | undefined {
  const levels = topic.split("/");
  if (levels.length !== 5 || `${levels[0]}/${levels[1]}` !== PREFIX || levels[3] !== "command")
    return undefined;
  const [, , permissionId = "", , action = ""] = levels;
  return permissionId === "" || action === "" ? undefined : { permissionId, action };
}
