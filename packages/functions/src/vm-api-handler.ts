import { decideApproval } from "@synthcore/core/approvals/approvals";
import type { CommandDeps } from "@synthcore/core/commands/commands";
import { sendUserCommand } from "@synthcore/core/commands/send";
import {
  createProject,
  getProjectStatus,
  transitionProject,
  type ProjectDeps,
} from "@synthcore/core/projects/projects";
import { VM_API_ACTIONS, VmApiRequest } from "@synthcore/core/projects/schemas";
import type { GatewayHandler } from "./http/types";
import {
  createUserGateway,
  type UserGatewayServices,
} from "./http/user-gateway";

export interface VmApiServices
  extends ProjectDeps, CommandDeps, UserGatewayServices {
  /** How long a VM may be silent before its health reads `unreachable`. */
  silentAfterMs?: number;
}

/**
 * Builds the VM API handler. Lambda and the local stack both call this, with
 * their own services.
 */
export function createVmApiHandler(services: VmApiServices): GatewayHandler {
  return createUserGateway<VmApiRequest>(services, {
    name: "vm-api",
    actions: VM_API_ACTIONS,
    schema: VmApiRequest,
    run: (userId, request) => runAction(services, userId, request),
  });
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
