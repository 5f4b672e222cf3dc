import * as z from "zod";
import { VmApiRequest } from "../projects/schemas";
import { BATCH_ROUTE, BatchRequest, BatchResult } from "../reporter/batch";
import {
  MAX_REPORTER_BODY_BYTES,
  REPORTER_ROUTES,
  type ReporterRouteSchema,
} from "../reporter/routes";

type Json = Record<string, unknown>;

/** Converts a zod schema to JSON Schema 2020-12, the dialect of OpenAPI 3.1. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as Json;
  return rest;
}

const errorRef = { $ref: "#/components/schemas/Error" };

function errorResponse(description: string, headers?: Json): Json {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { "application/json": { schema: errorRef } },
  };
}

const RATE_LIMITED = errorResponse("Rate limit exceeded", {
  "Retry-After": {
    description: "Whole seconds until a request is allowed again",
    schema: { type: "integer", minimum: 1 },
  },
});

function success(data: Json): Json {
  return {
    description: "Success",
    content: {
      "application/json": {
        schema: {
          type: "object",
          required: ["success", "data"],
          properties: { success: { const: true }, data },
        },
      },
    },
  };
}

function vmApiPath(): Json {
  return {
    post: {
      operationId: "vmApi",
      summary: "Create, start, stop, delete or inspect a project's VM",
      description:
        "The body's `action` selects the operation. Checks run in this order: 405, 401, 429, 400, 403, 400 for a disallowed transition.",
      security: [{ supabaseJwt: [] }],
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: jsonSchema(VmApiRequest, "input") },
        },
      },
      responses: {
        "200": success({ type: "object" }),
        "400": errorResponse("Invalid JSON, action, field or transition"),
        "401": errorResponse("Missing or invalid Supabase JWT"),
        "403": errorResponse("Not a member of the organization or project"),
        "405": errorResponse("Method other than POST"),
        "429": RATE_LIMITED,
        "500": errorResponse("Server error"),
      },
    },
  };
}

function reporterPath(name: string, route: ReporterRouteSchema): Json {
  return {
    post: {
      operationId: `vmReporter_${name.replace(/\W/g, "_")}`,
      summary: route.summary,
      security: [{ reporterToken: [] }],
      parameters: [{ $ref: "#/components/parameters/ProjectId" }],
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: jsonSchema(route.request, "input") },
        },
      },
      responses: {
        "200": success(jsonSchema(route.response, "output")),
        "400": errorResponse(
          "Missing or invalid X-Project-ID, invalid JSON or an invalid field",
        ),
        "401": errorResponse(
          "Missing, invalid or revoked reporter token, or a token of another project",
        ),
        "404": errorResponse(
          "Unknown route, or an unknown command or approval",
        ),
        "405": errorResponse("Method other than POST"),
        "409": errorResponse(
          "A status change the current state does not allow",
        ),
        "413": errorResponse(`Body over ${MAX_REPORTER_BODY_BYTES} bytes`),
        "429": RATE_LIMITED,
        "500": errorResponse("Server error"),
      },
    },
  };
}

/**
 * Builds the OpenAPI 3.1 document of both gateways from the same zod
 * schemas the handlers validate with.
 */
export function buildOpenApiDocument(options: { serverUrl: string }): Json {
  const paths: Json = { "/functions/v1/vm-api": vmApiPath() };
  for (const [name, route] of Object.entries(REPORTER_ROUTES)) {
    paths[`/functions/v1/vm-reporter/${name}`] = reporterPath(name, route);
  }
  paths[`/functions/v1/vm-reporter/${BATCH_ROUTE}`] = reporterPath(
    BATCH_ROUTE,
    {
      summary:
        "Send a whole agent cycle at once: telemetry, command results, approvals and a poll",
      request: BatchRequest,
      response: BatchResult,
    },
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "Synthcore control plane",
      version: "1.0.0",
      description:
        'The VM API (dashboard to VM) and the VM Reporter (VM to platform). Every error is `{"error": "..."}`.',
    },
    servers: [{ url: options.serverUrl }],
    paths,
    components: {
      securitySchemes: {
        supabaseJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        reporterToken: {
          type: "http",
          scheme: "bearer",
          description:
            "A project's reporter token, `scr_` and 43 base64url characters",
        },
      },
      parameters: {
        ProjectId: {
          name: "X-Project-ID",
          in: "header",
          required: true,
          schema: { type: "string", format: "uuid" },
        },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: { error: { type: "string" } },
        },
      },
    },
  };
}
