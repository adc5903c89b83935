import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";

/**
 * Mounts a tmpfs of `bytes` on a new temporary directory, a disk small enough to fill; unmounted after the
 * test. Mounting needs root: where it is not permitted, the test is skipped with the reason and this
 * returns undefined (the caller then returns). Under CI (the CI variable set) it fails instead, so that a
 * CI run cannot pass without these tests having run.
 */
export function mountTinyDisk(t: TestContext, bytes: number): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "aiida-pub-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const reason = String((error as { stderr?: unknown }).stderr ?? error)
      .trim()
      .split("\n")[0];
    if (process.env.CI)
      assert.fail(
        `cannot mount a tiny tmpfs to fill (under CI the full-disk tests must run, as root): ${reason}`,
      );
    t.skip(`needs a tiny tmpfs to fill, and mounting one is not permitted here (run as root): ${reason}`);
    return undefined;
  }
  t.after(() => {
    // Lazy: a file the test still has open must not keep the mount busy.
    execFileSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Fills the disk holding `dir` with one file until it is full; returns that file (delete it to make room). */
export function fillDisk(dir: string): string {
  const path = join(dir, "filler");
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(4096);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  return path;
}
