/** A problem with what the user asked for (options, config file, profile); the CLI exits with code 2. */
export class ConfigurationError extends Error {}
