import { t } from "../i18n/i18n.ts";
import type { Credentials } from "./types.ts";

/** How a snippet's client trusts the broker's certificate. */
export interface SnippetTrust {
  /** The hub's CA certificate file (aiida-hub-ca.pem) the device is given; undefined → the system's CAs. */
  readonly caFile?: string | undefined;
}

/** Host, port and TLS of an mqtt://, mqtts:// or wss:// broker URL. */
export function brokerParts(brokerUrl: string): { host: string; port: number; tls: boolean } {
  const url = new URL(brokerUrl);
  const tls = url.protocol === "mqtts:" || url.protocol === "ssl:" || url.protocol === "wss:";
  return { host: url.hostname || "localhost", port: Number(url.port) || (tls ? 8883 : 1883), tls };
}

/** Whether a broker host is this computer's own loopback address (reachable only from the hub's computer). */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|[\w-]+\.localhost|127(\.\d{1,3}){3}|\[?::1\]?)\.?$/i.test(host);
}

/** The hub's feedback topic for a data source: why a message was (partly) rejected. */
export function feedbackTopicOf(topic: string): string {
  return topic.replace(/\/data$/, "/feedback");
}

/** A comment for people in the reader's language, `#` before each line (shell and Python alike). */
function comment(text: string, indent = ""): string {
  return text
    .split("\n")
    .map((line) => `${indent}# ${line}`)
    .join("\n");
}

/** A POSIX shell single-quoted word. */
function sh(value: string): string {
  return `'${value.replaceAll("'", `'"'"'`)}'`;
}

/** A shell word: as it is when it needs no quotes (a plain file name), single-quoted otherwise. */
function word(value: string): string {
  return /^[\w./:-]+$/.test(value) ? value : sh(value);
}

/**
 * A `mosquitto_pub` command sending one CIM message (meter total 25 kWh, power 1.75 kW). The
 * timestamp comes from `date` so the hub records the moment of sending. The password is exported
 * first and expanded into `-P`: mosquitto_pub reads it from no environment variable, and this keeps
 * it out of the command as typed (shell history, the snippet's second line).
 *
 * @commandText its literals are the commands; comments for people come from the messages.
 */
export function mosquittoSnippet(c: Credentials, password: string, trust: SnippetTrust = {}): string {
  const { host, port, tls } = brokerParts(c.brokerUrl);
  const tlsOption = !tls ? "" : trust.caFile ? ` --cafile ${word(trust.caFile)}` : " --tls-use-os-certs";
  // Single-quoted JSON may span lines; the date is spliced in between two quoted parts.
  const message = [
    `'{"version":"1.0",`,
    `      "dateAndOrTime.dateTime":"'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'",`,
    `      "Quantity":[{"quantity":25,"type":"0","quality":"AS_PROVIDED"},`,
    `                  {"quantity":1.75,"type":"2","quality":"AS_PROVIDED"}]}'`,
  ].join("\n");
  return [
    `export AIIDA_PASSWORD=${sh(password)}`,
    comment(t("snippet.psWarning")),
    `mosquitto_pub -h ${host} -p ${port}${tlsOption} -q 1 \\`,
    `  -u ${sh(c.username)} -P "$AIIDA_PASSWORD" \\`,
    `  -t ${sh(c.topic)} \\`,
    `  -m ${message}`,
  ].join("\n");
}

/**
 * A small Python publisher (paho-mqtt 2.x): simulated meter every 10 s, prints the hub's feedback.
 * The password is not in the script: it reads AIIDA_PASSWORD from the environment, and its first
 * lines say how to set it.
 *
 * @commandText its literals are the commands; comments for people come from the messages.
 */
export function pythonSnippet(c: Credentials, trust: SnippetTrust = {}): string {
  const { host, port, tls } = brokerParts(c.brokerUrl);
  const py = (s: string) => JSON.stringify(s);
  const tlsSet = !tls
    ? ""
    : trust.caFile
      ? `client.tls_set(ca_certs=${py(trust.caFile)})\n`
      : "client.tls_set()\n";
  return `# pip install "paho-mqtt>=2"
${comment(t("snippet.pythonSave"))}
#   export AIIDA_PASSWORD='${t("snippet.pythonPassword")}'
#   python3 publisher.py
import json
import os
import random
import time
from datetime import datetime, timezone

import paho.mqtt.client as mqtt

HOST = ${py(host)}
PORT = ${port}
USERNAME = ${py(c.username)}
PASSWORD = os.environ["AIIDA_PASSWORD"]
TOPIC = ${py(c.topic)}
FEEDBACK_TOPIC = ${py(feedbackTopicOf(c.topic))}


def on_connect(client, userdata, flags, reason_code, properties):
    print("connected:", reason_code)
    client.subscribe(FEEDBACK_TOPIC)  ${comment(t("snippet.pythonFeedback"))}


def on_message(client, userdata, message):
    print("hub feedback:", message.payload.decode())


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
client.username_pw_set(USERNAME, PASSWORD)
${tlsSet}client.on_connect = on_connect
client.on_message = on_message
client.connect(HOST, PORT)
client.loop_start()

total_kwh = 0.0
while True:
    power_kw = round(random.uniform(0.2, 3.0), 3)
    total_kwh += power_kw * 10 / 3600
    payload = {
        "version": "1.0",
        "dateAndOrTime.dateTime": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Quantity": [
            {"quantity": round(total_kwh, 4), "type": "0", "quality": "AS_PROVIDED"},
            {"quantity": power_kw, "type": "2", "quality": "AS_PROVIDED"},
        ],
    }
    client.publish(TOPIC, json.dumps(payload), qos=1)
    print("sent", payload["Quantity"])
    time.sleep(10)
`;
}

/**
 * The hub's own publisher CLI with its simulated household meter. Broker, username and password go
 * in the environment variables the publisher reads (AIIDA_BROKER, AIIDA_USERNAME, AIIDA_PASSWORD),
 * not on its command line, where other users could read them (ps).
 *
 * @commandText its literals are the commands; comments for people come from the messages.
 */
export function cliSnippet(c: Credentials, password: string, trust: SnippetTrust = {}): string {
  const ca = brokerParts(c.brokerUrl).tls && trust.caFile ? ` --ca ${word(trust.caFile)}` : "";
  return [
    comment(t("snippet.cliInstall")),
    `export AIIDA_BROKER=${word(c.brokerUrl)} AIIDA_USERNAME=${sh(c.username)} AIIDA_PASSWORD=${sh(password)}`,
    `aiida-hub publish simulate${ca}`,
  ].join("\n");
}
