import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eddieWithBroker } from "../helpers/eddie-with-broker.ts";
import { startTestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { base64Code } from "../helpers/stand-in-eddie.ts";
import { collectMessages } from "../helpers/stand-in-ep-broker.ts";
import { waitFor } from "../helpers/wait-for.ts";

type Json = Record<string, any>;

/** The OBIS code of quantity type "4", the voltage of phase L1 (domain/quantity-type.ts). */
const VOLTAGE_L1 = "1-0:32.7.0";

const SCHEMAS = ["SMART-METER-P1-RAW", "SMART-METER-P1-CIM-V1-04", "SMART-METER-P1-CIM-V1-12"];

describe("sharing with EDDIE, end to end", () => {
  it("a household grants a permission from an AIIDA code, its meter's data reaches EDDIE's broker in every schema, and a revoke reaches EDDIE too", async (t) => {
    const { broker, eddie, received } = await eddieWithBroker(t);

    const hub = await startTestHub(t);
    const meter = await hub.createDataSource({ asset: "CONNECTION-AGREEMENT-POINT" });
    const code = eddie.issue(1, {
      dataNeed: {
        schemas: SCHEMAS,
        transmissionSchedule: "* * * * * *",
        dataTags: ["1-0:1.8.0", "1-0:1.7.0"],
      },
    });
    const permissionId = code.permissionIds[0] as string;

    const added = await hub.api("POST", "/api/permissions", { aiidaCode: base64Code(code) });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body[0].status, "FETCHED_DETAILS");
    const accepted = await hub.api("PATCH", `/api/permissions/${permissionId}`, {
      operation: "ACCEPT",
      dataSourceId: meter.id,
    });
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    await waitFor(
      async () => (await hub.api("GET", `/api/permissions/${permissionId}`)).body.status === "STREAMING_DATA",
      "the permission streaming",
    );
    await broker.whenSubscribed(permissionId);

    const device = await connectDevice(t, hub.mqttUrl, meter);
    const measuredAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 2000).toISOString();
    await device.publishAsync(
      meter.topic,
      JSON.stringify({
        version: "1.0",
        "registeredResource.mRID": { value: "AT0031000000000000000000198159000", codingScheme: "NAT" },
        "dateAndOrTime.dateTime": measuredAt,
        Quantity: [
          { quantity: 25.5, type: "0", quality: "AS_PROVIDED" },
          { quantity: 1.75, type: "2", quality: "AS_PROVIDED" },
          // Type 4 is the voltage of phase L1 (1-0:32.7.0), which the data need does not list.
          { quantity: 230.1, type: "4", quality: "AS_PROVIDED" },
        ],
      }),
      { qos: 1 },
    );

    const dataTopic = (schema: string) => `aiida/v1/${permissionId}/data/outbound/${schema.toLowerCase()}`;
    const bySchema = await waitFor(() => {
      const found = SCHEMAS.map((schema) => received.find((m) => m.topic === dataTopic(schema)));
      return found.every((m) => m !== undefined) ? found.map((m) => JSON.parse(m?.payload ?? "")) : undefined;
    }, "one document per schema at EDDIE's broker");
    const [raw, v104, v112] = bySchema as [Json, Json, Json];

    assert.equal(raw.permissionId, permissionId);
    assert.equal(raw.dataSourceId, meter.id);
    assert.equal(raw.timestamp, measuredAt);
    assert.ok(
      !raw.values.some((v: Json) => v.dataTag === VOLTAGE_L1),
      `the voltage ${VOLTAGE_L1} is not in the RAW document: ${JSON.stringify(raw.values)}`,
    );
    assert.deepEqual(
      raw.values.map((v: Json) => [v.dataTag, v.value]).sort(),
      [
        ["1-0:1.7.0", "1.75"],
        ["1-0:1.8.0", "25.5"],
      ],
      "only the data need's tags leave the house; the voltage stays",
    );
    assert.equal(v104["messageDocumentHeader.metaInformation.permissionId"], permissionId);
    const aiidaId = (await hub.api("GET", "/api/application-information")).body.aiidaId;
    assert.equal(v112.MessageDocumentHeader.MetaInformation.requestPermissionId, permissionId);
    assert.equal(v112.MessageDocumentHeader.MetaInformation.finalCustomerId, aiidaId);
    assert.deepEqual(
      v112.MarketDocument.TimeSeries[0].Quantity.map((q: Json) => [q.type, q.quantity]).sort(),
      [
        ["0", 25.5],
        ["2", 1.75],
      ],
    );
    assert.equal(
      v112.MarketDocument.TimeSeries[0]["dateAndOrTime.dateTime"],
      measuredAt.replace(".000Z", "Z"),
    );

    const consent = await waitFor(async () => {
      const res = await hub.api("GET", `/api/permissions/${permissionId}/consent-record`);
      return res.status === 200 && JSON.stringify(res.body).includes("1-0:1.8.0") ? res.body : undefined;
    }, "the consent record counting what EDDIE's broker acknowledged");
    assert.ok(JSON.stringify(consent).includes("1-0:1.7.0"));
    assert.ok(
      !JSON.stringify(consent).includes(VOLTAGE_L1),
      "the consent record has no voltage: it was never sent",
    );

    const revoked = await hub.api("PATCH", `/api/permissions/${permissionId}`, { operation: "REVOKE" });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const status = await waitFor(
      () => received.find((m) => m.topic === `aiida/v1/${permissionId}/status`),
      "the REVOKED status message",
    );
    const statusMessage = JSON.parse(status.payload);
    assert.equal(statusMessage.status, "REVOKED");
    assert.equal(statusMessage.permissionId, permissionId);
    assert.equal(statusMessage.eddieId, eddie.eddieId);

    const late = await broker.connectEddie(t, undefined, true);
    const retained = collectMessages(late);
    await late.subscribeAsync(`aiida/v1/${permissionId}/status`, { qos: 1 });
    const kept = await waitFor(() => retained[0], "the retained status for a subscriber that comes later");
    assert.equal(kept.retain, true);
    assert.equal(JSON.parse(kept.payload).status, "REVOKED");
  });
});
