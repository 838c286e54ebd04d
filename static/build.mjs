// Builds what the widget serves, from static/widget/src and static/shared:
//   widget/parley.js            the loader, under the name customers' tags use
//   widget/dist/widget-<hash>.js  the widget proper, named by its content
// and the dashboard's one bundled module, the reports' charts (uPlot):
//   dashboard/dist/charts.js    from dashboard/charts/index.js
// `make widget` runs it; the output is committed, so running Parley needs no Node,
// and CI rebuilds and fails when the committed files differ.

import { readFileSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const widget = join(here, "widget");
const dist = join(widget, "dist");
const { version } = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));

// Budgets, gzipped (docs/benchmarks.md): the build fails past them.
const BUDGETS = { loader: 4 * 1024, widget: 30 * 1024, charts: 30 * 1024 };

// `import CSS from "./x.css"` gives the stylesheet minified, as a string for a
// shadow root's <style>.
const cssText = {
  name: "css-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await esbuild.transform(readFileSync(args.path, "utf8"), { loader: "css", minify: true });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2021"],
  legalComments: "none",
  plugins: [cssText],
  logLevel: "warning",
};

rmSync(dist, { recursive: true, force: true });

const proper = await esbuild.build({
  ...common,
  entryPoints: { widget: join(widget, "src", "main.js") },
  outdir: dist,
  entryNames: "[name]-[hash]",
  metafile: true,
});
const [widgetFile] = Object.keys(proper.metafile.outputs);

await esbuild.build({
  ...common,
  entryPoints: [join(widget, "src", "loader.js")],
  outfile: join(widget, "parley.js"),
  banner: { js: `/*! Parley widget loader ${version}; source: static/widget/src (docs/architecture.md) */` },
  define: {
    __PARLEY_VERSION__: JSON.stringify(version),
    __PARLEY_WIDGET__: JSON.stringify(relative(widget, widgetFile).split("\\").join("/")),
  },
});

// An ES module the plain dashboard modules import; uPlot comes pinned from
// package-lock.json, never copied in by hand.
const charts = join(here, "dashboard", "dist", "charts.js");
await esbuild.build({
  ...common,
  format: "esm",
  entryPoints: [join(here, "dashboard", "charts", "index.js")],
  outfile: charts,
  legalComments: "inline",
  banner: { js: "/*! Parley report charts; source: static/dashboard/charts (uPlot, MIT) */" },
});

let over = false;
for (const [name, file] of [
  ["loader", join(widget, "parley.js")],
  ["widget", widgetFile],
  ["charts", charts],
]) {
  const bytes = readFileSync(file);
  const gz = gzipSync(bytes, { level: 9 }).length;
  over ||= gz > BUDGETS[name];
  console.log(`${name.padEnd(7)} ${relative(here, file).padEnd(34)} ${String(bytes.length).padStart(6)} B, ${gz} B gzipped (budget ${BUDGETS[name]})`);
}
if (over) {
  console.error("Over budget.");
  process.exit(1);
}
