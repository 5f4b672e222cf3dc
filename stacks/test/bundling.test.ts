import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  gatewayBundling,
  loadSstEsbuild,
  nodejsBundling,
  sstEsbuildOptions,
} from "../bundling";

const GATEWAYS = [
  "packages/functions/src/vm-api.ts",
  "packages/functions/src/vm-reporter.ts",
].filter((file) => existsSync(file));

describe("gateway bundling", () => {
  it("rejects a gateway importing Azure", async () => {
    const esbuild = await loadSstEsbuild();
    const options = sstEsbuildOptions("unused", "out.mjs", gatewayBundling);

    const build = esbuild.build({
      ...options,
      entryPoints: undefined,
      stdin: {
        contents: `export { DefaultAzureCredential } from "@azure/identity";`,
        resolveDir: process.cwd(),
        sourcefile: "gateway.ts",
        loader: "ts",
      },
      write: false,
    });

    await expect(build).rejects.toThrow(/"@azure\/identity" imported by/);
  });

  it("lets lifecycle functions import Azure", () => {
    expect(nodejsBundling().esbuild?.plugins).toEqual([]);
  });

  it.each(GATEWAYS)("bundles %s without Azure code", async (entry) => {
    const esbuild = await loadSstEsbuild();

    const { metafile } = await esbuild.build({
      ...sstEsbuildOptions(entry, "out.mjs", gatewayBundling),
      write: false,
    });

    const inputs = Object.keys(metafile!.inputs);
    expect(inputs.some((path) => path.includes("packages/core/src"))).toBe(
      true,
    );
    expect(
      inputs.filter((path) => /@azure\/|compute\/azure/.test(path)),
    ).toEqual([]);
  });
});
