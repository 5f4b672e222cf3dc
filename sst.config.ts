import type { SSTConfig } from "sst";
import { Api } from "./stacks/Api";
import { nodejsBundling } from "./stacks/bundling";
import { Data } from "./stacks/Data";
import { Lifecycle } from "./stacks/Lifecycle";
import { hasDashboard, Web } from "./stacks/Web";

/**
 * Stages whose data outlives `sst remove`. Every other stage (a personal
 * stage from `sst dev`, a preview) is removed with all its resources.
 */
export const PERSISTENT_STAGES = ["prod", "uat"];

export default {
  config() {
    return {
      name: "synthcore",
      // NOTE: keep the functions in the region of the Postgres database;
      // `--region` overrides this per command.
      region: "ap-southeast-2",
    };
  },
  stacks(app) {
    if (!PERSISTENT_STAGES.includes(app.stage)) {
      app.setDefaultRemovalPolicy("destroy");
    }
    app.setDefaultFunctionProps({
      runtime: "nodejs22.x",
      architecture: "arm_64",
      memorySize: 512,
      timeout: 15,
      // No X-Ray: the handlers log structured lines with the request id,
      // and without tracing no role needs X-Ray's `Resource: *` statement.
      tracing: "disabled",
      nodejs: nodejsBundling(),
    });

    app.stack(Data).stack(Lifecycle).stack(Api);
    if (hasDashboard()) app.stack(Web);
  },
} satisfies SSTConfig;
