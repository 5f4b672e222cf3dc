import { AwsJsonClient, SQS } from "../aws/json-client";
import type { JobQueue, LifecycleJob } from "./jobs";

/** Sends lifecycle jobs to the SQS queue the consumer function reads. */
export class SqsJobQueue implements JobQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly client = new AwsJsonClient(SQS),
  ) {}

  async send(job: LifecycleJob): Promise<void> {
    await this.client.call("SendMessage", {
      QueueUrl: this.queueUrl,
      MessageBody: JSON.stringify(job),
    });
  }
}

/** Parses a queue message body back into a job, rejecting anything else. */
export function parseJob(body: string): LifecycleJob {
  const job = JSON.parse(body) as Partial<LifecycleJob>;
  const statuses = ["provisioning", "starting", "stopping", "deleting"];
  if (
    typeof job.projectId !== "string" ||
    typeof job.version !== "number" ||
    typeof job.status !== "string" ||
    !statuses.includes(job.status)
  ) {
    throw new Error("message body is not a lifecycle job");
  }
  return job as LifecycleJob;
}
