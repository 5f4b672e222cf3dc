/**
 * `npm run bench`: the reporter's handler overhead in process, HTTP load on
 * 127.0.0.1 beside a bare node:http + pg server, and the gateway bundles.
 * Prints a table and writes docs/benchmarks.md. Uses PostgreSQL when
 * DATABASE_URL is set, PGlite otherwise. Not part of `npm test`.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { format } from "prettier";
import { validBody } from "../../packages/functions/test/support/reporter-fixtures";
import { fullBatch } from "../../packages/functions/test/support/batch-fixtures";
import {
  gatewayEvent,
  lambdaContext,
} from "../../packages/functions/test/support/events";
import type { Database } from "@synthcore/core/db/pool";
import type { GatewayHandler } from "@synthcore/functions/http/types";
import {
  benchHandler,
  io,
  benchProject,
  gatewayServer,
  load,
  percentile,
  type LoadResult,
  serve,
  startEngines,
  timedEngines,
  type Engines,
} from "./setup";

const ROOT = resolve(import.meta.dirname, "../..");
const ITERATIONS = 3000;
const WARMUP = 100;
const LOAD = { connections: 8, seconds: 5 };
/** Runs of each HTTP row, taken in turn. The table shows each row's median run. */
const ROUNDS = 5;
/** Projects the HTTP load reports for, round robin. */
const FLEET = 64;
const lines: string[] = [];
/** The figures the targets are checked against. */
const found = {
  overheadP99: 0,
  /** Reporter health against the bare server, and against the bare server with the same commit. */
  healthShare: 0,
  healthSameCommit: 0,
  cycleShare: 0,
  batchShare: 0,
  syncShare: 0,
  plannedShare: 0,
  bundles: new Map<string, { kib: number; ms: number }>(),
};
const print = (line = "") => {
  console.log(line);
  lines.push(line);
};

const HEALTH_INSERT = `INSERT INTO health_snapshots (project_id, health_status,
  cpu_percent, memory_percent, disk_percent, agents, reported_at)
  VALUES ($1, 'healthy', 1, 2, 3, '{}', now())`;

/** Builds a cycle's report without approvals or command statuses: telemetry and a poll. */
function cycleBatch() {
  const { items, max_commands } = fullBatch();
  return {
    items: items.filter((item) => item.route !== "approvals"),
    max_commands,
  };
}

/** Builds a quiet cycle's report: health, statistics and a poll, which commit asynchronously. */
function samplesBatch() {
  const { items, max_commands } = cycleBatch();
  return {
    items: items.filter(
      (item) => item.route !== "messages" && item.route !== "audit",
    ),
    max_commands,
  };
}

async function time(run: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples;
}

async function inProcess(engines: Engines) {
  const { projectId, token } = await benchProject(engines.db);
  const handler = benchHandler(timedEngines(engines));
  const overheads: number[] = [];
  const call =
    (route: string, body: unknown, via = handler) =>
    async () => {
      const event = gatewayEvent({
        path: `/functions/v1/vm-reporter/${route}`,
        headers: {
          authorization: `Bearer ${token}`,
          "x-project-id": projectId,
        },
        body,
      });
      event.pathParameters = { route };
      io.ms = 0;
      const started = performance.now();
      const result = await via(event, lambdaContext());
      overheads.push(performance.now() - started - io.ms);
      if (result.statusCode !== 200)
        throw new Error(`${route}: ${result.body}`);
    };
  const bare = await time(() => engines.db.query(HEALTH_INSERT, [projectId]));
  const ms = (value: number) => value.toFixed(2);
  const baseline = percentile(bare, 50);
  print(
    "| request | p50 ms | p99 ms | handler overhead p50 | overhead p99 | p50 / bare insert |",
  );
  print("|---|---:|---:|---:|---:|---:|");
  print(
    `| bare insert | ${ms(baseline)} | ${ms(percentile(bare, 99))} | | | 1.00 |`,
  );
  const unprepared = benchHandler(
    timedEngines({ ...engines, db: engines.unprepared }),
  );
  const synchronous = benchHandler(timedEngines(engines), {
    asyncCommit: false,
  });
  const cases: Array<[string, string, () => unknown, GatewayHandler?]> = [
    ["health", "health", () => validBody("health")],
    [
      "health, synchronous commit",
      "health",
      () => validBody("health"),
      synchronous,
    ],
    [
      "health, planned each time",
      "health",
      () => validBody("health"),
      unprepared,
    ],
    ["messages", "messages", () => validBody("messages")],
    ["commands/poll", "commands/poll", () => ({})],
    ["batch, one cycle (telemetry + poll)", "batch", cycleBatch],
    ["batch (all kinds + poll)", "batch", () => fullBatch()],
  ];
  for (const [label, route, body, via] of cases) {
    const samples = await time(call(route, body(), via));
    const own = overheads.splice(0).slice(WARMUP);
    found.overheadP99 = Math.max(found.overheadP99, percentile(own, 99));
    print(
      `| ${label} | ${ms(percentile(samples, 50))} | ${ms(percentile(samples, 99))} | ${ms(percentile(own, 50))} | ${ms(percentile(own, 99))} | ${(percentile(samples, 50) / baseline).toFixed(2)} |`,
    );
  }
  return { projectId, token };
}

async function http(engines: Engines) {
  // A fleet: each request comes from the next of FLEET projects, as VMs do,
  // so no single project's rows take every write.
  const fleet: Array<{ projectId: string; token: string }> = [];
  for (let i = 0; i < FLEET; i++) fleet.push(await benchProject(engines.db));
  const gateway = await gatewayServer(benchHandler(engines));
  const synchronous = await gatewayServer(
    benchHandler(engines, { asyncCommit: false }),
  );
  const planning = await gatewayServer(
    benchHandler({ ...engines, db: engines.unprepared }),
  );
  const statements = new Map<string, { text: string; params: unknown[] }>();
  for (const vm of fleet) {
    statements.set(vm.projectId, await healthStatement(engines, vm));
  }
  const bareServer = (
    db: Database,
    statementOf: (projectId: string) => { text: string; params: unknown[] },
  ) =>
    serve(async (request, response) => {
      for await (const chunk of request) void chunk;
      const projectId = String(request.headers["x-project-id"]);
      const { text, params } = statementOf(projectId);
      await db.queryPrepared(text, params);
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"success":true}');
    });
  const insert = (projectId: string) => ({
    text: HEALTH_INSERT,
    params: [projectId],
  });
  const bare = await bareServer(engines.db, insert);
  const bareAsync = await bareServer(engines.asynchronous, insert);
  const sameStatement = await bareServer(engines.db, (projectId) =>
    statements.get(projectId)!,
  );
  // One request per project; the load cycles through them.
  const from = (body: () => string) =>
    fleet.map((vm) => ({
      headers: {
        authorization: `Bearer ${vm.token}`,
        "x-project-id": vm.projectId,
      },
      body: body(),
    }));
  const health = () => JSON.stringify(validBody("health"));
  type Commit = "sync" | "async";
  const runs: Array<[string, string, () => string, Commit]> = [
    ["bare node:http + pg", bare.url, () => "{}", "sync"],
    [
      "bare node:http + pg, asynchronous commit",
      bareAsync.url,
      () => "{}",
      "async",
    ],
    [
      "bare node:http + the reporter's health statement",
      sameStatement.url,
      () => "{}",
      "async",
    ],
    [
      "reporter health",
      `${gateway.url}/functions/v1/vm-reporter/health`,
      health,
      "async",
    ],
    [
      "reporter health, synchronous commit",
      `${synchronous.url}/functions/v1/vm-reporter/health`,
      health,
      "sync",
    ],
    [
      "reporter health, planned each time",
      `${planning.url}/functions/v1/vm-reporter/health`,
      health,
      "async",
    ],
    [
      "reporter batch, a quiet cycle (samples + poll)",
      `${gateway.url}/functions/v1/vm-reporter/batch`,
      () => JSON.stringify(samplesBatch()),
      "async",
    ],
    [
      "reporter batch, one cycle (telemetry + poll)",
      `${gateway.url}/functions/v1/vm-reporter/batch`,
      () => JSON.stringify(cycleBatch()),
      "sync",
    ],
    [
      "reporter batch, all kinds (commits synchronously)",
      `${gateway.url}/functions/v1/vm-reporter/batch`,
      () => JSON.stringify(fullBatch()),
      "sync",
    ],
  ];
  print(
    "| server | commit | req/s | p50 ms | p99 ms | errors | vs bare | vs bare, same commit | vs bare, same statement |",
  );
  print("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  // Rounds interleave the rows, so that a slow spell of the machine
  // touches every row alike.
  const results = new Map<string, LoadResult[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, url, body] of runs) {
      const result = await load(url, from(body), LOAD);
      results.set(label, [...(results.get(label) ?? []), result]);
    }
  }
  for (const [label, , , commit] of runs) {
    const result = median(results.get(label)!);
    // Each round's rate is compared with the base's rate in the same round,
    // because the tables grow and the machine drifts between rounds.
    const of = (base: string) =>
      middle(
        results
          .get(label)!
          .map(
            (run, round) =>
              run.perSecond / results.get(base)![round]!.perSecond,
          ),
      );
    const bareOf = {
      sync: "bare node:http + pg",
      async: "bare node:http + pg, asynchronous commit",
    };
    const share = (value: number) => `${(value * 100).toFixed(0)} %`;
    const reporter = label.startsWith("reporter");
    if (label === "reporter health") {
      found.healthShare = of(bareOf.sync);
      found.healthSameCommit = of(bareOf.async);
    }
    if (label.startsWith("reporter batch, one cycle"))
      found.cycleShare = of(bareOf.sync);
    if (label.startsWith("reporter batch, all kinds"))
      found.batchShare = of(bareOf.sync);
    if (label === "reporter health, synchronous commit")
      found.syncShare = of(bareOf.sync);
    if (label === "reporter health, planned each time")
      found.plannedShare = of(bareOf.sync);
    print(
      `| ${label} | ${commit === "sync" ? "synchronous" : "asynchronous"} | ${result.perSecond.toFixed(0)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${result.errors} | ${share(of(bareOf.sync))} | ${reporter ? share(of(bareOf[commit])) : ""} | ${label === "reporter health" ? share(of("bare node:http + the reporter's health statement")) : ""} |`,
    );
  }
  for (const server of [
    gateway,
    synchronous,
    planning,
    bare,
    bareAsync,
    sameStatement,
  ]) {
    await server.close();
  }
}

function middle(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/** Returns the run with the median rate, with the errors of every run. */
function median(runs: LoadResult[]): LoadResult {
  const sorted = [...runs].sort((a, b) => a.perSecond - b.perSecond);
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  return { ...sorted[Math.floor(sorted.length / 2)]!, errors };
}

/**
 * Captures the one statement the reporter sends for a health report, so
 * that a bare server can send the same: the gap to it is the handler's.
 */
async function healthStatement(
  engines: Engines,
  project: { projectId: string; token: string },
) {
  const sent: Array<{ text: string; params: unknown[] }> = [];
  const handler = benchHandler({
    ...engines,
    db: {
      ...engines.db,
      queryPrepared: (text, params = []) => {
        sent.push({ text, params });
        return engines.db.queryPrepared(text, params);
      },
    },
  });
  const event = gatewayEvent({
    path: "/functions/v1/vm-reporter/health",
    headers: {
      authorization: `Bearer ${project.token}`,
      "x-project-id": project.projectId,
    },
    body: validBody("health"),
  });
  event.pathParameters = { route: "health" };
  await handler(event, lambdaContext());
  if (sent.length !== 1) {
    throw new Error(`a health report sent ${sent.length} statements`);
  }
  return sent[0]!;
}

async function bundles(): Promise<void> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "scripts/bundles.ts", "--runs", "5"],
    { cwd: ROOT, maxBuffer: 10_000_000 },
  ).catch((error) => ({ stdout: String(error.stdout ?? error) }));
  print("```");
  for (const line of stdout.trimEnd().split("\n")) {
    print(line);
    const row = line.match(/^(vm-\S+)\s+([\d.]+) KiB\s+([\d.]+) ms/);
    if (row) found.bundles.set(row[1]!, { kib: +row[2]!, ms: +row[3]! });
  }
  print("```");
}

function targets(): void {
  const mark = (met: boolean) => (met ? "met" : "not met");
  const gateways = [...found.bundles.entries()];
  const share = (value: number) => `${(value * 100).toFixed(0)} %`;
  print("| target | found | |");
  print("|---|---|---|");
  print(
    "| a cycle: 1 request, at most 3 round trips | 1 request, 1 Postgres statement; enforced by packages/functions/test/vm-reporter-round-trips.test.ts | met |",
  );
  print(
    `| handler overhead p99 under 1 ms | worst ${found.overheadP99.toFixed(2)} ms | ${mark(found.overheadP99 < 1)} |`,
  );
  print(
    `| ingestion at 50 % of the bare server, both waiting for the WAL flush | health ${share(found.syncShare)}; committing asynchronously (the default) ${share(found.healthShare)}, or ${share(found.healthSameCommit)} of a bare server that does too; planned each time ${share(found.plannedShare)}; a cycle's batch ${share(found.cycleShare)}, a batch of all kinds ${share(found.batchShare)} | ${mark(found.syncShare >= 0.5)} |`,
  );
  for (const [name, bundle] of gateways) {
    print(
      `| ${name} bundle under 500 KB, cold import under 150 ms | ${bundle.kib} KiB, ${bundle.ms} ms | ${mark(bundle.kib * 1024 < 500_000 && bundle.ms < 150)} |`,
    );
  }
}

async function main() {
  const engines = await startEngines();
  print("# Benchmarks");
  print();
  print(
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()}), ${engines.engine} on the same machine.`,
  );
  print();
  print(
    engines.engine === "PGlite"
      ? "PGlite's connections share one session, so every statement is planned each time, in every row. Set DATABASE_URL to a PostgreSQL server to compare prepared statements."
      : "The reporter's statements are prepared per connection, as with `DATABASE_PREPARED_STATEMENTS=true`, except in the rows marked \"planned each time\" (the default, and what Supabase's transaction pooler requires).",
  );
  print();
  print(
    'The reporter commits health reports, statistics and polls without waiting for the WAL flush, as with the default `REPORTER_ASYNC_COMMIT=true`, except in the rows marked "synchronous commit". Messages, audit events, approvals, acknowledgements and command statuses wait for the flush, so a batch that carries them does too. The ingestion target compares the reporter and the bare server both waiting for the flush.',
  );
  print();
  print(
    `## Handler in process (${ITERATIONS} sequential requests after ${WARMUP} warm-up)`,
  );
  print();
  try {
    await inProcess(engines);
    print();
    print(
      `## HTTP on 127.0.0.1 (${LOAD.connections} connections from a worker thread, ${FLEET} projects in turn; median of ${ROUNDS} runs of ${LOAD.seconds} s, taken in turn; each share is the median of the rounds' shares)`,
    );
    print();
    await http(engines);
  } finally {
    await engines.close();
  }
  print();
  print("## Bundles (scripts/bundles.ts)");
  print();
  await bundles();
  print();
  print("## Targets");
  print();
  targets();
  const markdown = await format(lines.join("\n"), { parser: "markdown" });
  await writeFile(resolve(ROOT, "docs/benchmarks.md"), markdown);
}

await main();
