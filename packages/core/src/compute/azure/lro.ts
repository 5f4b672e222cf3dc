import { isRestError } from "./errors";

/**
 * One ARM long-running call, split so that no caller waits for it: `begin`
 * sends the request and returns the SDK poller's serialized state; `poll`
 * restores that state, polls once and returns whether the operation is done.
 * Both SDK generations (core-lro 2 and 3) fit behind this shape.
 */
export interface LongRunningCall {
  begin(): Promise<string>;
  poll(state: string): Promise<boolean>;
}

export type Progress =
  | { status: "running" }
  | { status: "succeeded" }
  | { status: "failed"; code: string; message: string };

// NOTE: core-lro reports a failed operation only as a message of the form
// "The long-running operation has failed. <code>. <message>", so the Azure
// error code is read back out of it.
const FAILED_PATTERN =
  /^The long-running operation has failed(?:\. ([^.\s]+)\. ([\s\S]*))?/;
const CANCELED_MESSAGE = "Operation was canceled";

/**
 * Polls `call` once from `state`. HTTP and transport errors are thrown, so
 * the caller classifies them. An operation that ARM reports as failed or
 * canceled becomes a failed Progress with ARM's error code.
 */
export async function pollOnce(
  call: LongRunningCall,
  state: string,
): Promise<Progress> {
  try {
    const done = await call.poll(state);
    return { status: done ? "succeeded" : "running" };
  } catch (error) {
    if (isRestError(error) || !(error instanceof Error)) throw error;
    if (error.message === CANCELED_MESSAGE) {
      return {
        status: "failed",
        code: "OperationCanceled",
        message: "the operation was canceled in Azure",
      };
    }
    const match = FAILED_PATTERN.exec(error.message);
    if (!match) throw error;
    return {
      status: "failed",
      code: match[1] ?? "OperationFailed",
      message: match[2] ?? error.message,
    };
  }
}
