import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../src/openapi/document";
import { REPORTER_ROUTE_NAMES } from "../../src/reporter/routes";

const document = buildOpenApiDocument({ serverUrl: "http://127.0.0.1:4000" });
const paths = document.paths as Record<string, { post: Record<string, any> }>;
const components = document.components as Record<string, any>;

/** Collects every `$ref` in the document, wherever it is. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => refs(item, found));
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string") found.push(item);
      else refs(item, found);
    }
  }
  return found;
}

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with both gateways' paths, POST only", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(paths).sort()).toEqual(
      [
        "/functions/v1/vm-api",
        ...[...REPORTER_ROUTE_NAMES, "batch"].map(
          (route) => `/functions/v1/vm-reporter/${route}`,
        ),
      ].sort(),
    );
    for (const item of Object.values(paths)) {
      expect(Object.keys(item)).toEqual(["post"]);
    }
  });

  it("names the auth scheme of each gateway", () => {
    expect(Object.keys(components.securitySchemes)).toEqual([
      "supabaseJwt",
      "reporterToken",
    ]);
    expect(paths["/functions/v1/vm-api"]!.post.security).toEqual([
      { supabaseJwt: [] },
    ]);
    for (const route of [...REPORTER_ROUTE_NAMES, "batch"]) {
      const operation = paths[`/functions/v1/vm-reporter/${route}`]!.post;
      expect(operation.security).toEqual([{ reporterToken: [] }]);
      expect(operation.parameters).toEqual([
        { $ref: "#/components/parameters/ProjectId" },
      ]);
    }
  });

  it("lists the error codes, with Retry-After on 429", () => {
    const reporter = paths["/functions/v1/vm-reporter/health"]!.post;
    const vmApi = paths["/functions/v1/vm-api"]!.post;

    expect(Object.keys(reporter.responses)).toEqual([
      "200",
      "400",
      "401",
      "404",
      "405",
      "409",
      "413",
      "429",
      "500",
    ]);
    expect(Object.keys(vmApi.responses)).toEqual([
      "200",
      "400",
      "401",
      "403",
      "405",
      "429",
      "500",
    ]);
    expect(reporter.responses["429"].headers["Retry-After"]).toBeDefined();
  });

  it("derives strict request schemas from zod", () => {
    const health = paths["/functions/v1/vm-reporter/health"]!.post;
    const schema = health.requestBody.content["application/json"].schema;

    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(
      expect.arrayContaining([
        "reported_at",
        "cpu_percent",
        "memory_percent",
        "disk_percent",
      ]),
    );
    expect(schema.properties.cpu_percent).toEqual({
      type: "number",
      minimum: 0,
      maximum: 100,
    });
    expect(schema.$schema).toBeUndefined();
  });

  it("describes every VM API action, send_command and decide_approval included", () => {
    const schema =
      paths["/functions/v1/vm-api"]!.post.requestBody.content[
        "application/json"
      ].schema;
    const actions = schema.oneOf.map(
      (option: any) => option.properties.action.const,
    );

    expect(actions).toEqual([
      "create",
      "start",
      "stop",
      "delete",
      "status",
      "send_command",
      "decide_approval",
    ]);
  });

  it("resolves every $ref", () => {
    for (const ref of refs(document)) {
      const target = ref
        .replace(/^#\//, "")
        .split("/")
        .reduce<any>((node, key) => node?.[key], document);
      expect(target, ref).toBeDefined();
    }
  });

  it("has unique operation ids", () => {
    const ids = Object.values(paths).map((item) => item.post.operationId);

    expect(new Set(ids).size).toBe(ids.length);
  });
});
