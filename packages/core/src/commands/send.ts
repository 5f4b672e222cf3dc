import { badRequest } from "../errors";
import { requireProjectMember } from "../projects/access";
import type { ProjectStatus } from "../projects/schemas";
import {
  enqueueCommand,
  type CommandDeps,
  type EnqueuedCommand,
} from "./commands";
import type { USER_COMMAND_TYPES } from "./schemas";

/** A VM that is gone or going can no longer receive commands. */
const NO_COMMANDS: readonly ProjectStatus[] = ["deleting", "deleted"];

/** Queues a dashboard user's command for the VM of a project they belong to. */
export async function sendUserCommand(
  deps: CommandDeps,
  userId: string,
  input: {
    projectId: string;
    command: (typeof USER_COMMAND_TYPES)[number];
    reason?: string;
  },
): Promise<EnqueuedCommand> {
  const status = await requireProjectMember(deps.db, userId, input.projectId);
  if (NO_COMMANDS.includes(status)) {
    throw badRequest(
      `project is "${status}"; send_command requires a project that is not "deleting" or "deleted"`,
      "invalid_transition",
    );
  }
  return enqueueCommand(deps.db, deps.commandSettings, {
    projectId: input.projectId,
    type: input.command,
    payload: input.reason ? { reason: input.reason } : {},
    createdBy: userId,
    now: (deps.now ?? Date.now)(),
  });
}
