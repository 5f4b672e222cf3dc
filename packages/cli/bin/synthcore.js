#!/usr/bin/env node
// Runs the TypeScript sources directly, as the local stack does.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
