#!/usr/bin/env node
// The `bosun` command: runs src compiled once into dist/app/cli.mjs (ADR 0029), built again first when
// src changed since it was built (scripts/build-app.mjs). Stack traces name src files (source maps).
import { AppBuildError, currentAppBundle } from '../scripts/build-app.mjs';

let entry;
try {
  entry = await currentAppBundle();
} catch (err) {
  process.stderr.write(`bosun: src could not be built:\n${err instanceof AppBuildError ? err.message : (err?.stack ?? String(err))}\n`);
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import(entry);
