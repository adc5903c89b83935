import { isIP } from "node:net";

/** Names every generated server certificate holds: the hub's own computer is always one way to reach it. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];

/** Listen addresses that stand for every interface, so they name no one host. */
const ANY_ADDRESS = new Set(["0.0.0.0", "::", ""]);

/**
 * The subject alternative names of the server certificate: loopback, the listen address when it is a
 * specific one, and every public host, each once, lower-cased.
 */
export function serverNames(listenHost: string, publicHosts: readonly string[]): string[] {
  const host = listenHost
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  const names = [...LOOPBACK_NAMES, ...(ANY_ADDRESS.has(host) ? [] : [host]), ...publicHosts];
  return [...new Set(names.map((name) => name.toLowerCase()))];
}

/** Whether a name is an IP address (IPv4 or IPv6) rather than a DNS name. */
export function isIpAddress(name: string): boolean {
  return isIP(name) !== 0;
}

/** Whether a listen address is reachable only from this computer. */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  return bare === "localhost" || bare === "::1" || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
