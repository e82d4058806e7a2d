// zod's tree-shakable API (zod/mini) with zod's English messages, for the schemas agents and gateways load: an
// esbuild bundle keeps only the parts these schemas use, where `import { z } from 'zod'` keeps all of zod classic
// (~10 MiB more resident in an idle agent; src/agent/README.md, "Memory"). Schemas built with it are zod schemas:
// the control plane composes them in its own (classic) schemas and in its OpenAPI document.

import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod classic sets its English messages when it loads; zod/mini leaves them out (a bare "Invalid input")
config(en());

// imported as a namespace (`import * as z`), whose members esbuild can leave out; zod/mini's own `z` it cannot
export * from 'zod/mini';
