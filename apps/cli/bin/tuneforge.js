#!/usr/bin/env node
// The installed `tuneforge` command: the CLI runs its TypeScript through @swc-node/register, as the services do.
require('@swc-node/register');
require('../src/main.ts');
