import { statSync } from "node:fs";
import { stat } from "node:fs/promises";

/** The error code of a write refused because the database file is no longer there. */
export const DATABASE_LOST = "AIIDA_DATABASE_LOST";

type Identity = { readonly dev: bigint; readonly ino: bigint };

/**
 * The database file as it was opened: its device and inode. An open connection keeps writing to the
 * file it opened even after that file is deleted (the data directory removed) or replaced, and all
 * of it is gone when the connection closes; comparing the path's identity with the opened one tells.
 */
export class DatabaseFile {
  private readonly opened: Identity;

  /** Call right after the connection has opened the file. */
  constructor(readonly path: string) {
    this.opened = statSync(path, { bigint: true });
  }

  /** Why the file at the path is not the opened one any more, or undefined while it is. One stat. */
  lostSync(): string | undefined {
    try {
      return this.compare(statSync(this.path, { bigint: true }));
    } catch (err) {
      return this.compare(this.missingOr(err));
    }
  }

  /** The same, without blocking the thread. */
  async lost(): Promise<string | undefined> {
    return this.compare(await stat(this.path, { bigint: true }).catch((err: unknown) => this.missingOr(err)));
  }

  /** A stat that failed: the file is gone (undefined), or it cannot be told (taken as unchanged). */
  private missingOr(err: unknown): Identity | undefined {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? undefined : this.opened;
  }

  private compare(now: Identity | undefined): string | undefined {
    if (now === undefined) return `the database file ${this.path} was deleted while the hub ran; ${REFUSING}`;
    if (now.dev !== this.opened.dev || now.ino !== this.opened.ino)
      return `the database file ${this.path} was replaced by another file while the hub ran; ${REFUSING}`;
    return undefined;
  }
}

const REFUSING =
  "messages are refused (devices keep them) until the data directory is back and the hub is restarted";
