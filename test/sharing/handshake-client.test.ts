import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { HttpHandshake } from "../../src/sharing/handshake-client.ts";

/** A real HTTP server on a free port that answers with `handle`; its requests are kept. */
async function server(
  t: TestContext,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const http = createServer((request, response) => {
    requests.push(request);
    handle(request, response);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    http.closeAllConnections();
    http.close();
  });
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, requests };
}

const never = new AbortController().signal;

describe("the handshake over HTTP", () => {
  it("does not follow a redirect with the access token: a final failure that names where it pointed", async (t) => {
    const elsewhere = await server(t, (_, response) => response.writeHead(200).end("{}"));
    const eddie = await server(t, (_, response) =>
      response.writeHead(302, { location: `${elsewhere.url}/steal` }).end(),
    );
    const answer = await new HttpHandshake(1000).getDetails(`${eddie.url}/details`, "secret-token", never);
    assert.deepEqual(answer, {
      ok: false,
      final: true,
      status: 302,
      reason: `EDDIE answered HTTP 302, a redirect to ${elsewhere.url}/steal, which the hub does not follow with the access token`,
    });
    assert.equal(elsewhere.requests.length, 0);
    assert.equal(eddie.requests[0]?.headers.authorization, "Bearer secret-token");
  });

  it("retries 5xx, 408 and 429 but not other 4xx, and quotes EDDIE's error message", async (t) => {
    const statuses = [503, 408, 429, 400, 404];
    const eddie = await server(t, (_, response) =>
      response
        .writeHead(statuses.shift() ?? 500, { "content-type": "application/json" })
        .end(JSON.stringify({ errors: [{ message: "Cannot transition" }] })),
    );
    const handshake = new HttpHandshake(1000);
    const body = { operation: "REJECT" as const, aiidaId: "a" };
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push(await handshake.patch(eddie.url, "t", body, never));
    assert.deepEqual(
      answers.map((a) => (a.ok ? "ok" : `${a.status} ${a.final ? "final" : "retry"}`)),
      ["503 retry", "408 retry", "429 retry", "400 final", "404 final"],
    );
    assert.equal(answers[3]?.ok === false && answers[3].reason, "EDDIE answered HTTP 400: Cannot transition");
    assert.equal(eddie.requests[0]?.headers["content-type"], "application/json");
  });

  it("gives up a call that gets no answer within the timeout, to be retried", async (t) => {
    const eddie = await server(t, () => {}); // never answers
    const answer = await new HttpHandshake(200).getDetails(eddie.url, "t", never);
    assert.deepEqual(answer, {
      ok: false,
      final: false,
      status: undefined,
      reason: "EDDIE did not answer within 0.2 s",
    });
  });

  it("reports a refused connection as a passing failure without the token", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const answer = await new HttpHandshake(1000).getDetails(
      `http://127.0.0.1:${port}/x`,
      "secret-token",
      never,
    );
    assert.equal(answer.ok, false);
    assert.equal(!answer.ok && answer.final, false);
    assert.match(!answer.ok ? answer.reason : "", /EDDIE cannot be reached: ECONNREFUSED/);
    assert.doesNotMatch(JSON.stringify(answer), /secret-token/);
  });
});
