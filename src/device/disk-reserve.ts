import { closeSync, fsyncSync, openSync, rmSync, statfsSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * A file of zeros that holds disk space back for the queue. On a full disk SQLite cannot even delete
 * (a delete writes to the write-ahead log) nor checkpoint; releasing the reserve gives it that room, so
 * the queue can drop its oldest readings instead of refusing every new one.
 */
export class DiskReserve {
  readonly #path: string;
  readonly #bytes: number;

  constructor(path: string, bytes: number) {
    this.#path = path;
    this.#bytes = bytes;
  }

  /** Makes sure the whole reserve is in place; false when the disk has no room to spare for it now. */
  ensure(): boolean {
    if (this.#held() === this.#bytes) return true;
    // Only with room to spare: taking a nearly full disk's last bytes would fill it for everyone else.
    if (this.#freeBytes() < 2 * this.#bytes) return false;
    if (this.#write(this.#bytes) === this.#bytes) return true;
    rmSync(this.#path, { force: true });
    return false;
  }

  /**
   * On a full disk, keeps what is free right now (up to the reserve's size) as the reserve: the room a
   * closing queue just gave back (its own write-ahead log, unlike the last bytes ensure() leaves alone),
   * so that the next start can still drop readings to make room.
   */
  keepWhatIsFree(): void {
    if (this.#held() === this.#bytes) return;
    this.#write(Math.min(this.#bytes, this.#freeBytes()));
  }

  /** Deletes the reserve, giving its space back to the disk. */
  release(): void {
    rmSync(this.#path, { force: true });
  }

  /** Writes `bytes` zeros as the reserve, as far as the disk allows; returns how many it holds. */
  #write(bytes: number): number {
    let written = 0;
    let fd: number | undefined;
    try {
      fd = openSync(this.#path, "w");
      const zeros = Buffer.alloc(Math.min(bytes, 64 * 1024));
      while (written < bytes) written += writeSync(fd, zeros, 0, Math.min(zeros.length, bytes - written));
    } catch {
      // A full disk (ENOSPC) ends the write; what was written is kept.
    } finally {
      if (fd !== undefined) {
        try {
          fsyncSync(fd);
        } catch {
          // Deliberately ignored: an unsynced reserve still holds its space while this process runs.
        }
        closeSync(fd);
      }
    }
    return written;
  }

  /** Bytes the reserve holds now (0 when there is none). */
  #held(): number {
    try {
      return statSync(this.#path).size;
    } catch {
      return 0;
    }
  }

  #freeBytes(): number {
    try {
      const { bavail, bsize } = statfsSync(dirname(this.#path));
      return bavail * bsize;
    } catch {
      // A file system that cannot tell: try, and let a failed write say no.
      return Number.POSITIVE_INFINITY;
    }
  }
}
