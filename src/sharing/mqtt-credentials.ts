import { memberPath } from "../cim/json-path.ts";
import { describeJson, isJsonObject, jsonTypeOf, ownField } from "../cim/json-value.ts";
import type { ProblemDetail } from "../domain/hub-error.ts";
import { sharingTopics } from "../domain/sharing-topics.ts";
import { isCanonicalUuid } from "../domain/uuid.ts";
import type { BrokerCredentials } from "../storage/ports.ts";
import { type Checked, checked } from "./checked.ts";
import { type FieldSource, notUuid, requiredText } from "./json-fields.ts";

/** Paho's schemes (tcp, ssl) and their mqtt.js names; mqtt.js takes the other four as they are. */
const SCHEMES: ReadonlyMap<string, string> = new Map([
  ["tcp:", "mqtt:"],
  ["ssl:", "mqtts:"],
  ["mqtt:", "mqtt:"],
  ["mqtts:", "mqtts:"],
  ["ws:", "ws:"],
  ["wss:", "wss:"],
]);

/**
 * Checks EDDIE's MqttDto for permission `permissionId`: the username must be that id, the topics
 * exactly the `aiida/v1/<id>/…` ones of an outbound permission, the server a broker URL.
 */
export function readMqttCredentials(body: unknown, permissionId: string): Checked<BrokerCredentials> {
  if (!isCanonicalUuid(permissionId)) throw new RangeError(`permission id ${notUuid(permissionId)}`);
  if (!isJsonObject(body)) {
    return {
      ok: false,
      problems: [{ path: "$", reason: `expected a JSON object, got ${jsonTypeOf(body)}` }],
    };
  }
  const problems: ProblemDetail[] = [];
  const source: FieldSource = { object: body, path: "$", problems };
  const serverUri = requiredText(source, "serverUri");
  const brokerUrl = serverUri === undefined ? undefined : toBrokerUrl(serverUri, problems);
  const username = requiredText(source, "username");
  if (username !== undefined && username !== permissionId) {
    problems.push({
      path: "$.username",
      reason: `expected the permission id ${permissionId}, got ${describeJson(username)}`,
    });
  }
  const password = readPassword(ownField(body, "password"), problems);
  const topics = sharingTopics(permissionId);
  const dataTopic = exactTopic(source, "dataTopic", topics.data);
  const statusTopic = exactTopic(source, "statusTopic", topics.status);
  const commandTopic = exactTopic(source, "commandTopic", topics.command);
  const rawAck = ownField(body, "acknowledgementTopic");
  const acknowledgementTopic =
    rawAck === undefined || rawAck === null
      ? null
      : exactTopic(source, "acknowledgementTopic", topics.acknowledgement);
  return checked(problems, () => ({
    serverUri: serverUri ?? "",
    brokerUrl: brokerUrl ?? "",
    username: permissionId,
    password: password ?? "",
    dataTopic: dataTopic ?? "",
    statusTopic: statusTopic ?? "",
    commandTopic: commandTopic ?? "",
    acknowledgementTopic: acknowledgementTopic ?? null,
  }));
}

function toBrokerUrl(serverUri: string, problems: ProblemDetail[]): string | undefined {
  let url: URL;
  try {
    url = new URL(serverUri);
  } catch {
    problems.push({ path: "$.serverUri", reason: `not a URL: ${describeJson(serverUri)}` });
    return undefined;
  }
  const scheme = SCHEMES.get(url.protocol);
  if (scheme === undefined || url.hostname === "") {
    const why =
      scheme === undefined ? `the scheme "${url.protocol.slice(0, -1)}" is not one` : "there is no host";
    problems.push({
      path: "$.serverUri",
      reason: `expected a broker URL (tcp, ssl, mqtt, mqtts, ws or wss://host:port), but ${why}`,
    });
    return undefined;
  }
  // The URL parser treats tcp: and ssl: as opaque schemes, so the text after the scheme is kept as it is.
  return scheme + serverUri.slice(url.protocol.length);
}

/** The password must be a non-empty string; its value never appears in a problem. */
function readPassword(value: unknown, problems: ProblemDetail[]): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  const reason =
    value === undefined || value === null
      ? "missing"
      : typeof value === "string"
        ? "empty"
        : `expected a string, got ${jsonTypeOf(value)}`;
  problems.push({ path: "$.password", reason });
  return undefined;
}

function exactTopic(source: FieldSource, key: string, expected: string): string | undefined {
  const topic = requiredText(source, key);
  if (topic === undefined) return undefined;
  if (topic === expected) return topic;
  // Shown whole (up to a bound): the part that differs is usually at the end of a long topic.
  const shown = JSON.stringify(topic.length > 200 ? `${topic.slice(0, 200)}…` : topic);
  source.problems.push({
    path: memberPath(source.path, key),
    reason: `expected "${expected}", got ${shown}`,
  });
  return undefined;
}
