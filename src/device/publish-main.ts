// Stand-alone entry for the publisher commands (manual runs and child-process tests); the hub's main.ts
// registers the same commands into `aiida-hub`.
import { Command } from "commander";
import { registerPublishCommands } from "./cli.ts";

const program = new Command("aiida-hub");
registerPublishCommands(program);
await program.parseAsync(process.argv);
