#!/usr/bin/env node
// Entry point of the `sixpn` executable: loads the TypeScript sources through tsx and runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
