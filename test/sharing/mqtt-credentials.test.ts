import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ProblemDetail } from "../../src/domain/hub-error.ts";
import { readMqttCredentials } from "../../src/sharing/mqtt-credentials.ts";
import type { BrokerCredentials } from "../../src/storage/ports.ts";
import { fixture } from "../helpers/fixtures.ts";

const PERMISSION_ID = "70744400-a059-4fc8-ab36-d68b2bb877e1";

function answer(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture("sharing/mqtt-dto.accept.response.json"), ...changes };
}

function accepted(body: unknown): BrokerCredentials {
  const result = readMqttCredentials(body, PERMISSION_ID);
  if (!result.ok) assert.fail(JSON.stringify(result.problems));
  return result.value;
}

function problems(body: unknown): readonly ProblemDetail[] {
  const result = readMqttCredentials(body, PERMISSION_ID);
  if (result.ok) assert.fail("expected the answer to be refused");
  return result.problems;
}

describe("readMqttCredentials", () => {
  it("takes EDDIE's answer and names the broker in mqtt.js's scheme", () => {
    assert.deepEqual(accepted(answer()), {
      serverUri: "tcp://localhost:1883",
      brokerUrl: "mqtt://localhost:1883",
      username: PERMISSION_ID,
      password: "k#3Lq!9vT(z2Rm@8Wx$4pQa7",
      dataTopic: `aiida/v1/${PERMISSION_ID}/data/outbound`,
      statusTopic: `aiida/v1/${PERMISSION_ID}/status`,
      commandTopic: `aiida/v1/${PERMISSION_ID}/command/+`,
      acknowledgementTopic: null,
    });
  });

  it("maps ssl to mqtts and keeps mqtt, mqtts, ws and wss", () => {
    const cases: Array<[string, string]> = [
      ["ssl://eddie.example:8883", "mqtts://eddie.example:8883"],
      ["mqtt://eddie.example:1883", "mqtt://eddie.example:1883"],
      ["mqtts://eddie.example", "mqtts://eddie.example"],
      ["ws://eddie.example/mqtt", "ws://eddie.example/mqtt"],
      ["wss://eddie.example:443/mqtt", "wss://eddie.example:443/mqtt"],
    ];
    for (const [serverUri, brokerUrl] of cases)
      assert.equal(accepted(answer({ serverUri })).brokerUrl, brokerUrl);
  });

  it("takes the acknowledgement topic when EDDIE sends the right one", () => {
    const acknowledgementTopic = `aiida/v1/${PERMISSION_ID}/acknowledgement`;
    assert.equal(accepted(answer({ acknowledgementTopic })).acknowledgementTopic, acknowledgementTopic);
  });

  it("refuses a username that is not the permission id and topics of another permission or direction", () => {
    const other = "11111111-2222-4333-8444-555555555555";
    assert.deepEqual(
      problems(
        answer({
          username: other,
          dataTopic: `aiida/v1/${PERMISSION_ID}/data/inbound/+`,
          statusTopic: `aiida/v1/${other}/status`,
          commandTopic: `aiida/v1/${PERMISSION_ID}/termination`,
          acknowledgementTopic: "aiida/v1/x/acknowledgement",
        }),
      ),
      [
        { path: "$.username", reason: `expected the permission id ${PERMISSION_ID}, got string "${other}"` },
        {
          path: "$.dataTopic",
          reason: `expected "aiida/v1/${PERMISSION_ID}/data/outbound", got "aiida/v1/${PERMISSION_ID}/data/inbound/+"`,
        },
        {
          path: "$.statusTopic",
          reason: `expected "aiida/v1/${PERMISSION_ID}/status", got "aiida/v1/${other}/status"`,
        },
        {
          path: "$.commandTopic",
          reason: `expected "aiida/v1/${PERMISSION_ID}/command/+", got "aiida/v1/${PERMISSION_ID}/termination"`,
        },
        {
          path: "$.acknowledgementTopic",
          reason: `expected "aiida/v1/${PERMISSION_ID}/acknowledgement", got "aiida/v1/x/acknowledgement"`,
        },
      ],
    );
  });

  it("refuses a server that is not a broker URL", () => {
    assert.deepEqual(problems(answer({ serverUri: "https://eddie.example" })), [
      {
        path: "$.serverUri",
        reason:
          'expected a broker URL (tcp, ssl, mqtt, mqtts, ws or wss://host:port), but the scheme "https" is not one',
      },
    ]);
    assert.deepEqual(problems(answer({ serverUri: "tcp:eddie:1883" })), [
      {
        path: "$.serverUri",
        reason: "expected a broker URL (tcp, ssl, mqtt, mqtts, ws or wss://host:port), but there is no host",
      },
    ]);
    assert.deepEqual(problems(answer({ serverUri: "localhost 1883" })), [
      { path: "$.serverUri", reason: 'not a URL: string "localhost 1883"' },
    ]);
  });

  it("refuses a missing or empty password without ever showing it", () => {
    assert.deepEqual(problems(answer({ password: undefined })), [{ path: "$.password", reason: "missing" }]);
    assert.deepEqual(problems(answer({ password: "" })), [{ path: "$.password", reason: "empty" }]);
    const secret = 918273645;
    const refused = problems(answer({ password: secret }));
    assert.deepEqual(refused, [{ path: "$.password", reason: "expected a string, got number" }]);
    assert.doesNotMatch(JSON.stringify(problems(answer({ username: "x", serverUri: "x" }))), /k#3Lq/);
  });

  it("refuses anything but an object, and a permission id that is not canonical", () => {
    assert.deepEqual(problems("ok"), [{ path: "$", reason: "expected a JSON object, got string" }]);
    assert.throws(() => readMqttCredentials(answer(), PERMISSION_ID.toUpperCase()), RangeError);
  });
});
