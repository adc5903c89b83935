#!/usr/bin/env node
// Runs the ahead-of-time build (dist/, made by `npm ci` through npm's `prepare`): plain JavaScript
// starts faster and holds far less memory than transpiling the TypeScript sources through tsx.
import { ensureCurrentDist } from "./current-dist.js";

ensureCurrentDist();
await import("../dist/main.mjs");
