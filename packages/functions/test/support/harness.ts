import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JsonWebKey } from "node:crypto";
import {
  createDevIssuer,
  type DevIssuer,
} from "@synthcore/core/auth/dev-issuer";
import { createSupabaseVerifier } from "@synthcore/core/auth/jwt";
import { SimulatedCompute } from "@synthcore/core/compute/simulated";
import {
  createDynamoClient,
  type DynamoClient,
} from "@synthcore/core/dynamo/client";
import { startDynalite, type LocalDynamo } from "@synthcore/core/dynamo/local";
import {
  ensureTables,
  rateLimitTableDefinition,
} from "@synthcore/core/dynamo/tables";
import type { JobQueue, LifecycleJob } from "@synthcore/core/lifecycle/jobs";
import { DEFAULT_LIFECYCLE_SETTINGS } from "@synthcore/core/lifecycle/settings";
import {
  addOrganizationMember,
  createOrganization,
  ensureUser,
} from "@synthcore/core/membership/membership";
import { createTokenBucket } from "@synthcore/core/ratelimit/bucket";
import {
  openTestDatabase,
  type DatabaseEngine,
  type TestDatabase,
} from "@synthcore/core/testing/database";
import {
  createVmApiHandler,
  type VmApiServices,
} from "../../src/vm-api-handler";
import type { GatewayHandler, GatewayResult } from "../../src/http/types";
import {
  createVmReporterHandler,
  type VmReporterServices,
} from "../../src/vm-reporter-handler";
import { gatewayEvent, lambdaContext, type EventOptions } from "./events";

export const ALLOWED_ORIGIN = "https://app.synthcore.dev";

/** Records jobs instead of running them, so tests can assert what was sent. */
export class RecordingQueue implements JobQueue {
  readonly jobs: LifecycleJob[] = [];
  failing = false;

  async send(job: LifecycleJob): Promise<void> {
    if (this.failing) throw new Error("queue unavailable");
    this.jobs.push(job);
  }
}

export interface Response {
  status: number;
  headers: Record<string, string>;
  body: Record<string, any>;
}

/** A clock the tests move by hand; it starts at the real time. */
export class TestClock {
  ms = Date.now();
  readonly now = () => this.ms;

  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface HarnessOptions {
  rateLimit?: number;
  reporterRateLimit?: number;
  visibilityTimeoutMs?: number;
  deliveryDeadlineMs?: number;
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

/**
 * Everything the VM API needs, on real engines: a fresh database, dynalite,
 * and a JWKS served over http on 127.0.0.1 for the dev issuer's key.
 */
export class VmApiHarness {
  private constructor(
    readonly database: TestDatabase,
    readonly dynamo: LocalDynamo,
    readonly issuer: DevIssuer,
    readonly jobs: RecordingQueue,
    readonly compute: SimulatedCompute,
    private readonly jwksServer: Server,
    readonly services: VmApiServices,
    readonly handler: GatewayHandler,
    /** The keys the JWKS endpoint serves; tests may add their own. */
    readonly jwksKeys: JsonWebKey[],
    readonly clock: TestClock,
    readonly reporterServices: VmReporterServices,
    readonly reporter: GatewayHandler,
    /** The client of the user rate limits' DynamoDB table, "rate-limits". */
    readonly rateLimits: DynamoClient,
  ) {}

  static async start(
    engine: DatabaseEngine,
    options: HarnessOptions = {},
  ): Promise<VmApiHarness> {
    const database = await openTestDatabase(engine);
    const dynamo = await startDynalite();
    const client = createDynamoClient({
      region: "us-east-1",
      endpoint: dynamo.endpoint,
    });
    await ensureTables(client, [rateLimitTableDefinition("rate-limits")]);
    const clock = new TestClock();
    const commands = {
      db: database.db,
      commandSettings: {
        visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
        deliveryDeadlineMs: options.deliveryDeadlineMs ?? 3_600_000,
      },
      now: clock.now,
    };

    const keys: JsonWebKey[] = [];
    const jwksServer = createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((done) => jwksServer.listen(0, "127.0.0.1", done));
    const { port } = jwksServer.address() as AddressInfo;
    const issuerUrl = `http://127.0.0.1:${port}/auth/v1`;
    const issuer = createDevIssuer(issuerUrl);
    keys.push(...issuer.jwks.keys);

    const jobs = new RecordingQueue();
    const services: VmApiServices = {
      ...commands,
      jobs,
      lifecycle: DEFAULT_LIFECYCLE_SETTINGS,
      verifier: createSupabaseVerifier({
        issuer: issuerUrl,
        jwksUri: `${issuerUrl}/.well-known/jwks.json`,
      }),
      rateLimiter: createTokenBucket({
        client,
        table: "rate-limits",
        capacity: options.rateLimit ?? 1000,
      }),
      corsOrigins: ["http://localhost:3000", ALLOWED_ORIGIN],
    };
    const reporterServices: VmReporterServices = {
      ...commands,
      // The frozen test clock: no token comes back while a test runs.
      reporterRateLimit: { capacity: options.reporterRateLimit ?? 1000 },
      // As deployed: REPORTER_ASYNC_COMMIT defaults to true.
      asyncCommit: true,
      corsOrigins: services.corsOrigins,
    };
    const harness = new VmApiHarness(
      database,
      dynamo,
      issuer,
      jobs,
      new SimulatedCompute({ delayMs: 0 }),
      jwksServer,
      services,
      createVmApiHandler(services),
      keys,
      clock,
      reporterServices,
      createVmReporterHandler(reporterServices),
      client,
    );
    return harness;
  }

  get db() {
    return this.database.db;
  }

  async call(
    body: unknown,
    options: EventOptions & { token?: string } = {},
  ): Promise<Response> {
    const headers = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const result = await this.handler(
      gatewayEvent({ ...options, headers, body }),
      lambdaContext(),
    );
    return toResponse(result);
  }

  /** Calls `POST /functions/v1/vm-reporter/<route>` as a VM would. */
  async report(
    route: string,
    body: unknown,
    options: EventOptions & {
      token?: string;
      projectId?: string;
      /** Another reporter handler, such as one with a smaller bucket. */
      handler?: GatewayHandler;
    } = {},
  ): Promise<Response> {
    const headers = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.projectId) headers["x-project-id"] = options.projectId;
    const path = `/functions/v1/vm-reporter/${route}`;
    const event = gatewayEvent({
      ...options,
      path,
      routeKey: "ANY /functions/v1/vm-reporter/{route+}",
      headers,
      body,
    });
    event.pathParameters = { route };
    const handler = options.handler ?? this.reporter;
    return toResponse(await handler(event, lambdaContext()));
  }

  /** Creates a user and signs a token for it. */
  async user(email: string): Promise<TestUser> {
    const user = await ensureUser(this.db, email);
    return { ...user, token: this.issuer.mintUserToken(user) };
  }

  async organization(owner: TestUser): Promise<string> {
    const organization = await createOrganization(this.db, "Acme");
    await addOrganizationMember(this.db, organization.id, owner.id, "owner");
    return organization.id;
  }

  /** Creates a project through the API and returns its id. */
  async project(owner: TestUser, organizationId: string): Promise<string> {
    const response = await this.call(
      { action: "create", organization_id: organizationId, name: "demo" },
      { token: owner.token },
    );
    if (response.status !== 200)
      throw new Error(`create failed: ${JSON.stringify(response.body)}`);
    return response.body.data.project_id;
  }

  async setStatus(projectId: string, status: string): Promise<void> {
    await this.db.query(
      "UPDATE projects SET status = $2, version = version + 1, operation = NULL WHERE id = $1",
      [projectId, status],
    );
  }

  async activity(projectId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ action: string }>(
      "SELECT action FROM activity_log WHERE project_id = $1 ORDER BY id",
      [projectId],
    );
    return rows.map((row) => row.action);
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => this.jwksServer.close(() => done()));
    await this.dynamo.close();
    await this.database.close();
  }
}

function toResponse(result: GatewayResult): Response {
  const text = result.body ?? "";
  return {
    status: result.statusCode ?? 200,
    headers: Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([name, value]) => [
        name,
        String(value),
      ]),
    ),
    body: text === "" ? {} : JSON.parse(text),
  };
}
