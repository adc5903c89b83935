// Preloaded (--import) into the hub and raw Aedes children of the memory scenario, started with
// --expose-gc: SIGUSR2 runs two full collections so RSS is read without collectable garbage.
process.on("SIGUSR2", () => {
  if (typeof globalThis.gc === "function") {
    globalThis.gc();
    globalThis.gc();
  }
});
