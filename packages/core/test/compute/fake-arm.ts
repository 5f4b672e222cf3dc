import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TokenCredential } from "@azure/identity";

export interface RecordedRequest {
  method: string;
  path: string;
  apiVersion: string | null;
  authorization: string | undefined;
  body: any;
}

export interface ArmFault {
  status: number;
  code: string;
  message?: string;
  retryAfterSeconds?: number;
}

interface Operation {
  polls: number;
  error?: { code: string; message: string };
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A token that never leaves the test. */
export const staticCredential: TokenCredential = {
  getToken: async () => ({
    token: "test-token",
    expiresOnTimestamp: Date.now() + 3_600_000,
  }),
};

/** Makes a self-signed certificate for IP 127.0.0.1 with openssl at run time. */
function makeCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "fake-arm-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fake Azure Resource Manager on https://127.0.0.1: resource groups, VNets,
 * NICs and VMs with ARM's long-running-operation protocol. Every PUT of a
 * child resource responds 201 with Azure-AsyncOperation. Start and deallocate
 * respond 202 with Azure-AsyncOperation and Location. A resource group delete
 * responds 202 with Location only. An operation reports InProgress
 * `pollsBeforeDone` times, then its outcome.
 */
export class FakeArm {
  readonly requests: RecordedRequest[] = [];
  readonly resources = new Map<string, any>();
  pollsBeforeDone = 1;
  powerState = "PowerState/running";
  private readonly faults: Array<{
    method: string;
    path: RegExp;
    fault: ArmFault;
  }> = [];
  private readonly operationFailures: Array<{
    path: RegExp;
    error: Operation["error"];
  }> = [];
  private readonly operations = new Map<string, Operation>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly ca: string,
  ) {}

  static async start(): Promise<FakeArm> {
    const { key, cert } = makeCertificate();
    let arm: FakeArm | undefined;
    const server = createServer({ key, cert }, (req, res) => {
      void arm!.handle(req, res);
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    const { port } = server.address() as AddressInfo;
    arm = new FakeArm(server, `https://127.0.0.1:${port}`, cert);
    return arm;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Responds to the next request matching `method` and `path` with an error. */
  failNext(method: string, path: RegExp, fault: ArmFault): void {
    this.faults.push({ method, path, fault });
  }

  /** Makes the next operation started on a matching path end as Failed. */
  failOperation(
    path: RegExp,
    code: string,
    message = `${code} in fake ARM`,
  ): void {
    this.operationFailures.push({ path, error: { code, message } });
  }

  /** Lists the requests other than operation polls, as `METHOD path`. */
  calls(): string[] {
    return this.requests
      .filter((request) => !request.path.includes("/operations/"))
      .map((request) => `${request.method} ${request.path}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", this.url);
    const text = await readBody(req);
    const request: RecordedRequest = {
      method: req.method ?? "GET",
      path: decodeURIComponent(url.pathname),
      apiVersion: url.searchParams.get("api-version"),
      authorization: req.headers.authorization,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(request);
    const reply = this.takeFault(request) ?? this.route(request);
    res.writeHead(reply.status, {
      "content-type": "application/json",
      ...reply.headers,
    });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  }

  private takeFault(request: RecordedRequest): Reply | undefined {
    const index = this.faults.findIndex(
      (entry) =>
        entry.method === request.method && entry.path.test(request.path),
    );
    if (index < 0) return undefined;
    const { fault } = this.faults.splice(index, 1)[0]!;
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) {
      headers["retry-after"] = String(fault.retryAfterSeconds);
    }
    const message = fault.message ?? `${fault.code} from fake ARM`;
    return {
      status: fault.status,
      headers,
      body: { error: { code: fault.code, message } },
    };
  }

  private route(request: RecordedRequest): Reply {
    const { method, path } = request;
    if (path.includes("/operations/")) return this.pollOperation(path, "async");
    if (path.includes("/operationResults/"))
      return this.pollOperation(path, "location");
    if (method === "PUT" && /\/resourcegroups\/[^/]+$/i.test(path)) {
      return { status: 201, body: this.store(path, request.body, "Succeeded") };
    }
    if (method === "PUT") return this.startPut(request);
    if (method === "POST")
      return this.accepted(path, { async: true, location: true });
    if (method === "DELETE")
      return this.accepted(path, { async: false, location: true });
    if (path.endsWith("/instanceView")) return this.instanceView(path);
    const stored = this.resources.get(path.toLowerCase());
    if (stored) return { status: 200, body: stored };
    return notFound("ResourceNotFound", path);
  }

  private startPut(request: RecordedRequest): Reply {
    const body = this.store(request.path, request.body, "Succeeded");
    const id = this.beginOperation(request.path);
    const pending = {
      ...body,
      properties: { ...body.properties, provisioningState: "Updating" },
    };
    return {
      status: 201,
      body: pending,
      headers: { "azure-asyncoperation": this.operationUrl("operations", id) },
    };
  }

  private accepted(
    path: string,
    mode: { async: boolean; location: boolean },
  ): Reply {
    const id = this.beginOperation(path);
    const headers: Record<string, string> = {};
    if (mode.async)
      headers["azure-asyncoperation"] = this.operationUrl("operations", id);
    if (mode.location)
      headers.location = this.operationUrl("operationResults", id);
    return { status: 202, headers };
  }

  private instanceView(path: string): Reply {
    const vm = path.replace(/\/instanceView$/, "").toLowerCase();
    if (!this.resources.has(vm)) return notFound("ResourceNotFound", vm);
    const statuses = [
      { code: "ProvisioningState/succeeded" },
      { code: this.powerState },
    ];
    return { status: 200, body: { statuses } };
  }

  private pollOperation(path: string, mode: "async" | "location"): Reply {
    const id = path.split("/").at(-1)!;
    const operation = this.operations.get(id);
    if (!operation) return notFound("OperationNotFound", path);
    operation.polls++;
    const done = operation.polls > this.pollsBeforeDone;
    if (mode === "location")
      return { status: done ? 200 : 202, body: done ? {} : undefined };
    if (!done) return { status: 200, body: { status: "InProgress" } };
    if (operation.error)
      return {
        status: 200,
        body: { status: "Failed", error: operation.error },
      };
    return { status: 200, body: { status: "Succeeded" } };
  }

  private beginOperation(path: string): string {
    const id = randomUUID();
    const index = this.operationFailures.findIndex((entry) =>
      entry.path.test(path),
    );
    const error =
      index < 0 ? undefined : this.operationFailures.splice(index, 1)[0]!.error;
    this.operations.set(id, { polls: 0, error });
    return id;
  }

  private operationUrl(kind: string, id: string): string {
    return `${this.url}/subscriptions/fake/providers/Fake.Operations/${kind}/${id}?api-version=2025-01-01`;
  }

  private store(path: string, body: any, provisioningState: string) {
    const name = path.split("/").at(-1)!;
    const stored = {
      ...body,
      id: path,
      name,
      properties: { ...body?.properties, provisioningState },
    };
    this.resources.set(path.toLowerCase(), stored);
    return stored;
  }
}

function notFound(code: string, path: string): Reply {
  return {
    status: 404,
    body: { error: { code, message: `${path} was not found` } },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
