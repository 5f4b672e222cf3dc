/**
 * Builds every Lambda entry the way `sst deploy` does, prints each bundle's
 * size and its cold import time (median of fresh Node processes) beside a
 * hello-world bundle, and fails when a gateway bundle is over 500 KB or
 * contains Azure SDK code.
 *
 *   node --import tsx scripts/bundles.ts [--runs N]
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs, promisify } from "node:util";
import type { Metafile } from "esbuild";
import type { NodeJSProps } from "sst/constructs";
import {
  gatewayBundling,
  loadSstEsbuild,
  nodejsBundling,
  sstEsbuildOptions,
} from "../stacks/bundling";

const GATEWAY_LIMIT_BYTES = 500_000;
const ROOT = resolve(import.meta.dirname, "..");

interface Entry {
  name: string;
  file: string;
  gateway: boolean;
}

const ENTRIES: Entry[] = [
  { name: "vm-api", file: "packages/functions/src/vm-api.ts", gateway: true },
  {
    name: "vm-reporter",
    file: "packages/functions/src/vm-reporter.ts",
    gateway: true,
  },
  {
    name: "lifecycle-consumer",
    file: "packages/functions/src/lifecycle/consumer.ts",
    gateway: false,
  },
  {
    name: "lifecycle-reconciler",
    file: "packages/functions/src/lifecycle/reconciler.ts",
    gateway: false,
  },
];

interface Measured {
  name: string;
  bytes: number;
  importMs: number[];
  metafile: Metafile;
  gateway: boolean;
}

const run = promisify(execFile);

async function build(
  entry: string,
  outfile: string,
  nodejs: NodeJSProps,
): Promise<Metafile> {
  const esbuild = await loadSstEsbuild();
  const result = await esbuild.build({
    ...sstEsbuildOptions(entry, outfile, nodejs),
    absWorkingDir: ROOT,
  });
  return result.metafile!;
}

/** Milliseconds a fresh Node process spends importing the bundle. */
async function coldImportMs(bundle: string): Promise<number> {
  const script = [
    "const start = performance.now();",
    "await import(process.argv[1]);",
    "process.stdout.write(String(performance.now() - start));",
  ].join("\n");
  const { stdout } = await run(
    process.execPath,
    ["--input-type=module", "-e", script, pathToFileURL(bundle).href],
    // A bare environment: no AWS credentials, no secrets, nothing to
    // connect with. Importing a handler must not need any of them.
    { env: { PATH: process.env.PATH, NODE_ENV: "production" } },
  );
  return Number(stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]!
    : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function measure(
  entry: Entry,
  outDir: string,
  runs: number,
): Promise<Measured> {
  const outfile = join(outDir, `${entry.name}.mjs`);
  const nodejs = entry.gateway ? gatewayBundling : nodejsBundling();
  const metafile = await build(entry.file, outfile, nodejs);
  const importMs: number[] = [];
  for (let i = 0; i < runs; i++) importMs.push(await coldImportMs(outfile));
  const { size } = await stat(outfile);
  return { ...entry, bytes: size, importMs, metafile };
}

/** Sums a bundle's bytes per package (or source folder), largest first. */
function largestInputs(metafile: Metafile, count: number) {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, input] of Object.entries(output.inputs)) {
      const packages = path.match(/node_modules\/(@[^/]+\/)?[^/]+/g);
      const key = packages?.at(-1) ?? path.split("/").slice(0, 3).join("/");
      totals.set(key, (totals.get(key) ?? 0) + input.bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, count);
}

function azureInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter(
    (path) =>
      path.includes("node_modules/@azure/") || path.includes("compute/azure"),
  );
}

function report(results: Measured[]): string[] {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(
    ["bundle".padEnd(22), "size".padStart(12), "import (median)".padStart(17)]
      .concat(["  min..max"])
      .join(""),
  );
  for (const r of results) {
    const range = `${ms(Math.min(...r.importMs))}..${ms(Math.max(...r.importMs))}`;
    console.log(
      r.name.padEnd(22) +
        kb(r.bytes).padStart(12) +
        ms(median(r.importMs)).padStart(17) +
        `  ${range}`,
    );
  }

  const problems: string[] = [];
  for (const r of results.filter((result) => result.gateway)) {
    console.log(`\n${r.name}: largest inputs`);
    for (const [name, bytes] of largestInputs(r.metafile, 6)) {
      console.log(`  ${name.padEnd(40)}${kb(bytes).padStart(12)}`);
    }
    if (r.bytes > GATEWAY_LIMIT_BYTES) {
      problems.push(
        `${r.name} is ${r.bytes} bytes; a gateway may be at most ${GATEWAY_LIMIT_BYTES}`,
      );
    }
    const azure = azureInputs(r.metafile);
    if (azure.length > 0) {
      problems.push(`${r.name} bundles Azure code: ${azure.join(", ")}`);
    }
  }
  return problems;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "5" } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new Error(`--runs is "${values.runs}"; expected a positive integer`);
  }

  const outDir = await mkdtemp(join(tmpdir(), "synthcore-bundles-"));
  try {
    const hello = join(outDir, "hello.ts");
    await writeFile(
      hello,
      "export async function handler() {\n  return { statusCode: 200 };\n}\n",
    );
    const entries: Entry[] = [
      { name: "hello-world", file: hello, gateway: false },
      ...ENTRIES.filter((entry) => {
        const present = existsSync(join(ROOT, entry.file));
        if (!present) console.log(`${entry.name}: ${entry.file} not found`);
        return present;
      }),
    ];

    const results: Measured[] = [];
    for (const entry of entries) {
      results.push(await measure(entry, outDir, runs));
    }
    const problems = report(results);
    for (const problem of problems) console.error(`FAIL: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

await main();
