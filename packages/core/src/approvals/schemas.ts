import * as z from "zod";
import { AgentName } from "../telemetry/schemas";

export const APPROVAL_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "expired",
  "acknowledged",
] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const ApprovalRequest = z.strictObject({
  /** Chosen by the agent; sending the same id again returns the same approval. */
  approval_id: z.uuid(),
  agent: AgentName,
  action: z.string().min(1).max(100),
  summary: z.string().min(1).max(2000),
  details: z.record(z.string().max(100), z.unknown()).optional(),
  expires_in_seconds: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(3600),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const ApprovalAck = z.strictObject({
  approval_id: z.uuid(),
  outcome: z.enum(["proceeded", "aborted", "failed"]),
  message: z.string().max(2000).optional(),
});
export type ApprovalAck = z.infer<typeof ApprovalAck>;

export const Approval = z.object({
  approval_id: z.uuid(),
  agent: z.string(),
  action: z.string(),
  summary: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  decision: z.enum(["approved", "rejected"]).nullable(),
  decision_reason: z.string().nullable(),
  expires_at: z.iso.datetime(),
  created_at: z.iso.datetime(),
});
export type Approval = z.infer<typeof Approval>;

/** The body of an `approval_decision` command. */
export const ApprovalDecisionPayload = z.object({
  approval_id: z.uuid(),
  decision: z.enum(["approved", "rejected"]),
  reason: z.string().nullable(),
});
