/** A start-up configuration problem, worded as one sentence that names the flag to change. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}
