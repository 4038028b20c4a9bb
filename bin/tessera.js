#!/usr/bin/env node
/**
 * The `tessera` command. In an installed package it runs the built CLI (dist/cli.js). In a checkout of
 * the repository, where cli/main.ts lies beside this folder, it runs the sources through tsx, so that
 * the modules there (which import the sources) are made of the same classes as the CLI's.
 */
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import('../dist/cli.js');
}
process.exitCode = await cli.main(process.argv.slice(2));
