import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { SESSION_COOKIE } from "../../src/http/auth-routes.ts";
import { MAX_BUFFERED_BYTES } from "../../src/http/live-streams.ts";
import { bulkyMessage } from "../helpers/bulky-message.ts";
import { startTestHub, TEST_ADMIN_PASSWORD, type TestHub } from "../helpers/hub-harness.ts";
import { connectDevice } from "../helpers/mqtt-device.ts";
import { waitFor } from "../helpers/wait-for.ts";

interface SseEvent {
  readonly event: string;
  readonly data: any;
}

/** A live stream read as fast as it comes, collecting its events; aborted when the test ends. */
async function openReadingStream(
  t: TestContext,
  hub: TestHub,
  sourceId: string,
  headers: Record<string, string>,
) {
  const controller = new AbortController();
  t.after(() => controller.abort());
  const res = await fetch(`${hub.httpUrl}/api/datasources/${sourceId}/live`, {
    headers,
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  if (res.status === 200) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const match = /^event: (\w+)\ndata: (.*)$/s.exec(buffer.slice(0, end));
          if (match?.[1] && match[2]) events.push({ event: match[1], data: JSON.parse(match[2]) });
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    })().catch(() => {});
  }
  return { res, events, close: () => controller.abort() };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("a live stream whose client does not read", () => {
  it("is closed once its unsent bytes reach the limit, and a reading stream on the same source goes on", async (t) => {
    const hub = await startTestHub(t, { config: { rateLimitPerSecond: "100000" } });
    const streams = hub.hub.internals.liveStreams;
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const reader = await openReadingStream(t, hub, creds.id, bearer(hub.token));
    assert.equal(reader.res.status, 200);

    // A client that sends its request and then never reads a byte of the answer.
    const port = Number(new URL(hub.httpUrl).port);
    const stalled = connect({ host: "127.0.0.1", port });
    t.after(() => stalled.destroy());
    stalled.pause();
    stalled.write(
      `GET /api/datasources/${creds.id}/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${hub.token}\r\n\r\n`,
    );
    await waitFor(() => streams.stats().open === 2, "both streams to be open");

    let published = 0;
    let largestEvent = 0;
    while (streams.stats().closedAsTooSlow === 0) {
      // Far more than the limit plus what the kernel's socket buffers take: the stream should have been closed.
      assert.ok(published < 1000, `the stalled stream is still open after ${published} messages`);
      const payload = bulkyMessage(published);
      await device.publishAsync(creds.topic, payload, { qos: 1 });
      published++;
      largestEvent = Math.max(largestEvent, payload.length);
    }
    const stats = streams.stats();
    assert.equal(stats.closedAsTooSlow, 1, "only the stalled stream is closed");
    assert.ok(
      stats.peakBufferedBytes <= MAX_BUFFERED_BYTES,
      `held at most the limit unsent (${stats.peakBufferedBytes} bytes)`,
    );
    assert.ok(
      stats.peakBufferedBytes > MAX_BUFFERED_BYTES - 2 * largestEvent,
      `the stalled stream did fill up to the limit (${stats.peakBufferedBytes} bytes)`,
    );
    // Its connection is cut after the grace period, which gives its slot back.
    await waitFor(() => streams.stats().open === 1, "the stalled stream's connection to be cut", 20_000);

    // The reading stream got every report, and keeps getting new ones.
    await device.publishAsync(creds.topic, bulkyMessage(published), { qos: 1 });
    published++;
    const feedback = () => reader.events.filter((e) => e.event === "feedback").length;
    await waitFor(() => feedback() === published, `all ${published} feedback events on the reading stream`);
    assert.equal(reader.events.filter((e) => e.event === "record").length, published);
    assert.equal(reader.events.filter((e) => e.event === "closed").length, 0);
  });

  it("gets a last event saying why it was closed, when it reads again", async (t) => {
    const hub = await startTestHub(t, { config: { rateLimitPerSecond: "100000" } });
    const streams = hub.hub.internals.liveStreams;
    const creds = await hub.createDataSource();
    const device = await connectDevice(t, hub.mqttUrl, creds);
    const port = Number(new URL(hub.httpUrl).port);
    const slow = connect({ host: "127.0.0.1", port });
    t.after(() => slow.destroy());
    slow.pause();
    slow.write(
      `GET /api/datasources/${creds.id}/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${hub.token}\r\n\r\n`,
    );
    await waitFor(() => streams.stats().open === 1, "the stream to be open");
    let published = 0;
    while (streams.stats().closedAsTooSlow === 0) {
      assert.ok(published < 1000, `the paused stream is still open after ${published} messages`);
      await device.publishAsync(creds.topic, bulkyMessage(published++), { qos: 1 });
    }
    // Reading now, within the grace period, brings the backlog and then the reason, then the end.
    const chunks: Buffer[] = [];
    slow.on("data", (chunk: Buffer) => chunks.push(chunk));
    slow.resume();
    await new Promise((resolve) => slow.once("end", resolve));
    const text = Buffer.concat(chunks).toString("utf8");
    const last = text.slice(text.lastIndexOf("event: "));
    const match = /^event: closed\ndata: (.*)\n\n/.exec(last);
    assert.ok(match?.[1], `the last event is "closed": ${last.slice(0, 200)}`);
    const data = JSON.parse(match[1]);
    assert.equal(data.reason, "overflow");
    assert.match(data.message, /^the client did not read fast enough: more than 1048576 bytes were waiting/);
  });
});

describe("live stream limits", () => {
  it("answers 429 over the limits per session and in total, and a closed stream frees its slot", async (t) => {
    const hub = await startTestHub(t, {
      config: { maxLiveStreams: "3", maxLiveStreamsPerSession: "2" },
    });
    const streams = hub.hub.internals.liveStreams;
    const creds = await hub.createDataSource();
    const login = await hub.api(
      "POST",
      "/api/auth/login",
      { username: "admin", password: TEST_ADMIN_PASSWORD },
      null,
    );
    const sessionA = bearer(hub.token);
    // The second session uses the cookie, as the web UI does.
    const sessionB = { cookie: `${SESSION_COOKIE}=${encodeURIComponent(login.body.token)}` };
    const open = (headers: Record<string, string>) => openReadingStream(t, hub, creds.id, headers);
    const errorOf = async (stream: Awaited<ReturnType<typeof open>>) => {
      assert.equal(stream.res.status, 429);
      assert.match(stream.res.headers.get("content-type") ?? "", /application\/json/);
      return ((await stream.res.json()) as { error: { code: string; message: string } }).error;
    };

    const a1 = await open(sessionA);
    const a2 = await open(sessionA);
    assert.deepEqual([a1.res.status, a2.res.status], [200, 200]);
    assert.deepEqual(await errorOf(await open(sessionA)), {
      code: "TOO_MANY_REQUESTS",
      message:
        "This session already has 2 live streams open, the most one session may have (--max-live-streams-per-session); close one first.",
    });

    const b1 = await open(sessionB);
    assert.equal(b1.res.status, 200, "another session is not held back by the first one's limit");
    assert.deepEqual(await errorOf(await open(sessionB)), {
      code: "TOO_MANY_REQUESTS",
      message:
        "The hub already serves 3 live streams, the most it serves at once (--max-live-streams); try again later.",
    });
    assert.equal(streams.stats().open, 3, "refused requests hold no slot");

    a1.close();
    await waitFor(() => streams.stats().open === 2, "the closed stream's slot to be free");
    const a3 = await open(sessionA);
    assert.equal(a3.res.status, 200, "the session may open a stream again");
    b1.close();
    await waitFor(() => streams.stats().open === 2, "the second closed stream's slot to be free");
    const b2 = await open(sessionB);
    assert.equal(b2.res.status, 200);

    // The streams admitted last work.
    const device = await connectDevice(t, hub.mqttUrl, creds);
    await device.publishAsync(creds.topic, JSON.stringify({ Quantity: [{ quantity: 1, type: "0" }] }), {
      qos: 1,
    });
    for (const s of [a2, a3, b2]) {
      await waitFor(() => s.events.some((e) => e.event === "record"), "the record on every open stream");
    }
  });
});

describe("the all-sources live stream (GET /api/live)", () => {
  it("carries the records of every data source, each with its id, and needs a session", async (t) => {
    const hub = await startTestHub(t);
    const first = await hub.createDataSource();
    const second = await hub.createDataSource();
    const unauthenticated = await fetch(`${hub.httpUrl}/api/live`);
    assert.equal(unauthenticated.status, 401);
    await unauthenticated.body?.cancel();

    const controller = new AbortController();
    t.after(() => controller.abort());
    const res = await fetch(`${hub.httpUrl}/api/live`, {
      headers: bearer(hub.token),
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const seen: Array<{ dataSourceId: string; power: number }> = [];
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const match = /^event: record\ndata: (.*)$/s.exec(buffer.slice(0, end));
          if (match?.[1]) {
            const record = JSON.parse(match[1]);
            seen.push({ dataSourceId: record.dataSourceId, power: record.values[0].value });
          }
          buffer = buffer.slice(end + 2);
        }
      }
    })().catch(() => {});
    await waitFor(() => hub.hub.internals.liveStreams.stats().open === 1, "the stream to be open");

    for (const [creds, power] of [
      [first, 1.25],
      [second, 3.5],
    ] as const) {
      const device = await connectDevice(t, hub.mqttUrl, creds);
      await device.publishAsync(
        creds.topic,
        JSON.stringify({
          version: "1.0",
          "dateAndOrTime.dateTime": new Date().toISOString(),
          Quantity: [{ quantity: power, type: "2", quality: "AS_PROVIDED" }],
        }),
        { qos: 1 },
      );
    }
    await waitFor(() => seen.length === 2, "a record of each source on the one stream");
    assert.deepEqual(seen, [
      { dataSourceId: first.id, power: 1.25 },
      { dataSourceId: second.id, power: 3.5 },
    ]);
  });
});

describe("a live stream of a session that ends", () => {
  it("is ended with a last `closed` event on logout and on a password change, while the changer's own stream goes on", async (t) => {
    const hub = await startTestHub(t);
    const creds = await hub.createDataSource();
    const login = async () => {
      const res = await fetch(`${hub.httpUrl}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: TEST_ADMIN_PASSWORD }),
      });
      return ((await res.json()) as { token: string }).token;
    };
    const [leaving, other, changer] = [await login(), await login(), await login()];
    const streams = Object.fromEntries(
      await Promise.all(
        [leaving, other, changer].map(async (token) => {
          const stream = await openReadingStream(t, hub, creds.id, bearer(token));
          assert.equal(stream.res.status, 200);
          return [token, stream] as const;
        }),
      ),
    );
    const closedReason = (token: string) =>
      streams[token]?.events.find((e) => e.event === "closed")?.data.reason as string | undefined;

    const logout = await fetch(`${hub.httpUrl}/api/auth/logout`, {
      method: "POST",
      headers: bearer(leaving),
    });
    assert.equal(logout.status, 204);
    await waitFor(
      () => closedReason(leaving) === "logged-out",
      "the logged-out session's stream to be ended",
    );
    assert.equal(closedReason(other), undefined);

    const change = await fetch(`${hub.httpUrl}/api/auth/password`, {
      method: "PUT",
      headers: { ...bearer(changer), "content-type": "application/json" },
      body: JSON.stringify({ currentPassword: TEST_ADMIN_PASSWORD, newPassword: "a brand new passphrase" }),
    });
    assert.equal(change.status, 204);
    await waitFor(() => closedReason(other) === "logged-out", "the other session's stream to be ended");
    await waitFor(
      () => hub.hub.internals.liveStreams.stats().open === 1,
      "only the changer's stream to stay open",
    );
    assert.equal(closedReason(changer), undefined);
  });
});
