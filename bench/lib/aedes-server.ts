/**
 * Raw Aedes, the baseline: the same Aedes version as the hub, TCP_NODELAY, an in-memory password
 * check, no ingest, no storage. Run as a child process by servers.ts:
 *   node --import tsx bench/lib/aedes-server.ts <users.json> [--durable <sqlite file>]
 * With --durable, every device message is committed to SQLite with fsync before it is acknowledged
 * (DurableLog): the durable floor the hub's acknowledgement latency is compared with.
 * prints `{"port":N}` once listening; SIGTERM closes it.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { Aedes, type AuthenticateError } from "aedes";
import { DurableLog } from "./durable-log.ts";

const usersFile = process.argv[2];
const users = new Map<string, string>(
  usersFile ? (JSON.parse(readFileSync(usersFile, "utf8")) as [string, string][]) : [],
);

const durableIndex = process.argv.indexOf("--durable");
const durableFile = durableIndex > 0 ? process.argv[durableIndex + 1] : undefined;
const log = durableFile ? new DurableLog(durableFile) : undefined;

const aedes = await Aedes.createBroker({
  ...(log && {
    authorizePublish: (client, packet, done) => {
      if (!client) return done(null);
      log.append(packet.topic, packet.payload as Buffer, done);
    },
  }),
  authenticate: (_client, username, password, done) => {
    const expected = username === undefined ? undefined : users.get(username);
    if (expected !== undefined && password?.toString("utf8") === expected) return done(null, true);
    done(Object.assign(new Error("bad username or password"), { returnCode: 4 }) as AuthenticateError, false);
  },
});
const server = createServer({ noDelay: true }, (socket) => aedes.handle(socket));
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on("SIGTERM", () => {
  server.close();
  aedes.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
