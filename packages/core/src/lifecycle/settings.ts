import type { Config } from "../config";
import type { TransitionalStatus } from "../projects/transitions";

export interface LifecycleSettings {
  /** How long each transitional state may last before it becomes `error`. */
  deadlinesMs: Record<TransitionalStatus, number>;
  /** How long a transition may wait for its job before the job is sent again. */
  redriveAfterMs: number;
}

const MINUTE = 60_000;

export const DEFAULT_LIFECYCLE_SETTINGS: LifecycleSettings = {
  deadlinesMs: {
    provisioning: 15 * MINUTE,
    starting: 10 * MINUTE,
    stopping: 10 * MINUTE,
    deleting: 15 * MINUTE,
  },
  redriveAfterMs: 2 * MINUTE,
};

export function lifecycleSettingsFromConfig(config: Config): LifecycleSettings {
  return {
    deadlinesMs: {
      provisioning: config.LIFECYCLE_PROVISIONING_DEADLINE_MINUTES * MINUTE,
      starting: config.LIFECYCLE_STARTING_DEADLINE_MINUTES * MINUTE,
      stopping: config.LIFECYCLE_STOPPING_DEADLINE_MINUTES * MINUTE,
      deleting: config.LIFECYCLE_DELETING_DEADLINE_MINUTES * MINUTE,
    },
    redriveAfterMs: config.LIFECYCLE_REDRIVE_AFTER_SECONDS * 1000,
  };
}
