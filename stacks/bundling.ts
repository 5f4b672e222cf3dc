import { createRequire } from "node:module";
import type { BuildOptions } from "esbuild";
import type { NodeJSProps } from "sst/constructs";

/** An esbuild plugin as SST's own esbuild (0.18) types it. */
type Plugin = NonNullable<
  NonNullable<NodeJSProps["esbuild"]>["plugins"]
>[number];

/** Packages that only the lifecycle functions may bundle. */
export const GATEWAY_FORBIDDEN_IMPORTS = /^@azure\//;

/**
 * Fails the build when a module matching `pattern` is imported, so a
 * gateway that reaches the Azure SDK through some import chain cannot be
 * deployed with it.
 */
export function forbidImports(pattern: RegExp, reason: string): Plugin {
  return {
    name: "forbid-imports",
    setup(build) {
      build.onResolve({ filter: pattern }, (args) => ({
        errors: [
          {
            text: `"${args.path}" imported by ${args.importer}: ${reason}`,
          },
        ],
      }));
    },
  };
}

/** Returns how SST bundles every Node function of this app. */
export function nodejsBundling(plugins: Plugin[] = []): NodeJSProps {
  return {
    format: "esm",
    minify: true,
    esbuild: {
      target: "node22",
      // pg loads pg-native only when `pg.native` is read, which this code
      // never does. Naming it here stops SST from `npm install`ing it (and
      // compiling libpq) beside every bundle that contains pg.
      external: ["pg-native"],
      plugins,
    },
  };
}

/** Bundling for the HTTP gateways: the lifecycle's Azure SDK stays out. */
export const gatewayBundling = nodejsBundling([
  forbidImports(
    GATEWAY_FORBIDDEN_IMPORTS,
    "the Azure SDK belongs to the lifecycle functions, not the gateways",
  ),
]);

/**
 * The esbuild options SST 2.49's Node runtime uses for an ESM function in
 * deploy mode (sst/runtime/handlers/node.js), for building the same bundle
 * outside SST. Source maps are left out: SST writes them to a separate file
 * that is not part of the function code.
 */
export function sstEsbuildOptions(
  entry: string,
  outfile: string,
  nodejs: NodeJSProps,
): BuildOptions {
  // SST's esbuild 0.18 options are a subset of this esbuild's options.
  const { external = [], ...override } = (nodejs.esbuild ?? {}) as BuildOptions;
  return {
    entryPoints: [entry],
    outfile,
    platform: "node",
    bundle: true,
    keepNames: true,
    metafile: true,
    logLevel: "silent",
    external: ["sharp", "pg-native", ...(nodejs.install ?? []), ...external],
    format: "esm",
    target: "esnext",
    mainFields: ["module", "main"],
    banner: {
      js: [
        `import { createRequire as topLevelCreateRequire } from 'module';`,
        `const require = topLevelCreateRequire(import.meta.url);`,
        `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
        `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
      ].join("\n"),
    },
    minify: nodejs.minify,
    ...override,
  };
}

/** Loads the esbuild that SST bundles functions with (0.18 in SST 2.49). */
export async function loadSstEsbuild(): Promise<typeof import("esbuild")> {
  const rootRequire = createRequire(import.meta.url);
  const sstPackage = rootRequire.resolve("sst/package.json");
  return createRequire(sstPackage)("esbuild");
}
