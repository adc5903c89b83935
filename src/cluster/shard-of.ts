import { createHash } from "node:crypto";

/** Shards the sharing streamers are spread over; every instance must use the same count. */
export const SHARD_COUNT = 32;

/** The shard of `key` (a permission id): the same on every instance and every version. */
export function shardOf(key: string, shardCount = SHARD_COUNT): number {
  return createHash("sha256").update(key, "utf8").digest().readUInt32BE(0) % shardCount;
}
