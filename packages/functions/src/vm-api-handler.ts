import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { decideApproval } from "@synthcore/core/approvals/approvals";
import type { UserVerifier } from "@synthcore/core/auth/jwt";
import type { CommandDeps } from "@synthcore/core/commands/commands";
import { sendUserCommand } from "@synthcore/core/commands/send";
import type { RateLimiter } from "@synthcore/core/ratelimit/bucket";
import {
  createProject,
  getProjectStatus,
  transitionProject,
  type ProjectDeps,
} from "@synthcore/core/projects/projects";
import { VM_API_ACTIONS, VmApiRequest } from "@synthcore/core/projects/schemas";
import {
  cors,
  errorResponse,
  jsonBody,
  postOnly,
  rateLimit,
  userAuth,
  validate,
} from "./http/middleware";
import { knownAction } from "./http/actions";
import { logRequests } from "./http/request-log";
import {
  jsonResponse,
  type GatewayEvent,
  type GatewayHandler,
} from "./http/types";

export interface VmApiServices extends ProjectDeps, CommandDeps {
  verifier: UserVerifier;
  /** How long a VM may be silent before its health reads `unreachable`. */
  silentAfterMs?: number;
  rateLimiter: RateLimiter;
  corsOrigins: readonly string[];
}

/**
 * Builds the VM API handler. Lambda and the local stack both call this, with
 * their own services.
 */
export function createVmApiHandler(services: VmApiServices): GatewayHandler {
  const handler = middy<
    GatewayEvent,
    ReturnType<typeof jsonResponse>,
    Error,
    Context
  >(async (event: GatewayEvent) => {
    const data = await runAction(
      services,
      event.user!.id,
      event.json as VmApiRequest,
    );
    return jsonResponse(200, { success: true, data });
  })
    .use(cors(services.corsOrigins))
    .use(errorResponse())
    .use(postOnly())
    .use(userAuth(services.verifier))
    .use(
      rateLimit(
        services.rateLimiter,
        (event: GatewayEvent) => `vm-api:user:${event.user!.id}`,
      ),
    )
    .use(jsonBody())
    .use(knownAction(VM_API_ACTIONS))
    .use(validate(VmApiRequest));
  return logRequests("vm-api", handler as unknown as GatewayHandler);
}

function runAction(
  services: VmApiServices,
  userId: string,
  request: VmApiRequest,
) {
  switch (request.action) {
    case "create":
      return createProject(services, userId, {
        organizationId: request.organization_id,
        name: request.name,
        region: request.region,
        vmSize: request.vm_size,
      });
    case "start":
    case "stop":
      return transitionProject(
        services,
        userId,
        request.project_id,
        request.action,
      );
    case "delete":
      return transitionProject(services, userId, request.project_id, "delete", {
        force: request.force,
      });
    case "status":
      return getProjectStatus(
        services.db,
        userId,
        request.project_id,
        services.silentAfterMs,
      );
    case "send_command":
      return sendUserCommand(services, userId, {
        projectId: request.project_id,
        command: request.command,
        reason: request.reason,
      });
    case "decide_approval":
      return decideApproval(services, userId, {
        projectId: request.project_id,
        approvalId: request.approval_id,
        decision: request.decision,
        reason: request.reason,
      });
  }
}
