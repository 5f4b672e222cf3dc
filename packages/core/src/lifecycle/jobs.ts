import { logger } from "../log";
import type { TransitionalStatus } from "../projects/transitions";

/**
 * Asks a worker to issue the cloud operation for one transition. `version`
 * is the project's version when the transition began; a job whose version
 * is no longer current is dropped.
 */
export interface LifecycleJob {
  projectId: string;
  status: TransitionalStatus;
  version: number;
}

export interface JobQueue {
  send(job: LifecycleJob): Promise<void>;
}

/** A queue that delivers each job to a handler in this process. */
export class InProcessQueue implements JobQueue {
  private pending = new Set<Promise<void>>();

  constructor(private readonly handle: (job: LifecycleJob) => Promise<void>) {}

  async send(job: LifecycleJob): Promise<void> {
    const delivery = Promise.resolve()
      .then(() => this.handle(job))
      .catch((error: unknown) => {
        // The transition keeps its job_enqueued_at, so the reconciler sends
        // the job again later.
        logger.error(
          { err: error, project_id: job.projectId, status: job.status },
          "lifecycle job failed",
        );
      })
      .finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Resolves when every job sent so far has been handled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
