import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages of instructions: comments dropped, `\` continuations joined. */
function stages(text: string): Stage[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const globalArgs: Record<string, string> = {};
  const result: Stage[] = [];
  for (const line of joined
    .split('\n')
    .map((raw) => raw.trim())
    .filter(Boolean)) {
    const [, keyword = '', args = ''] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [image = '', , name] = instruction.args.split(' ');
      result.push({ image: image.replace(/\$\{(\w+)\}/g, (_, arg: string) => globalArgs[arg] ?? ''), name, instructions: [] });
    } else if (result.length === 0 && instruction.keyword === 'ARG') {
      const [arg, value = ''] = instruction.args.split('=');
      globalArgs[arg!] = value;
    } else {
      result.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

const dockerfile = stages(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const runs = dockerfile.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args));

test('the image is multi-stage on a glibc Node.js 24 LTS base (the DuckDB bindings are glibc builds)', () => {
  assert.ok(dockerfile.length >= 2, 'one build stage and one runtime stage at least');
  for (const stage of dockerfile) {
    assert.match(stage.image, /^node:24[\w.-]*$/, stage.image);
    assert.doesNotMatch(stage.image, /alpine/, stage.image);
  }
});

test('dependencies come from the lock file without dev dependencies', () => {
  assert.ok(
    runs.some((run) => /\bnpm ci\b/.test(run) && /--omit=dev\b/.test(run)),
    'npm ci --omit=dev',
  );
  assert.ok(!runs.some((run) => /\bnpm (install|i)\b/.test(run)), 'npm install ignores the lock file');
  const copied = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
  const depsStage = dockerfile.find((stage) => stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args) && /--omit=dev\b/.test(i.args)));
  assert.ok(depsStage?.name && depsStage !== runtime, 'npm ci runs in a named build stage');
  assert.ok(
    copied.some((args) => args.startsWith(`--from=${depsStage.name} `) && args.includes('node_modules')),
    'runtime copies node_modules from it',
  );
});

test('the image runs JavaScript compiled in a build stage, with no TypeScript or transpiler', () => {
  const build = dockerfile.find((stage) => stage.instructions.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)));
  assert.ok(build?.name && build !== runtime, 'npm run build runs in a named build stage');
  const copied = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
  assert.ok(
    copied.some((args) => args.startsWith(`--from=${build.name} `) && /\bdist\b/.test(args)),
    'runtime copies dist/ from it',
  );
  assert.ok(
    !copied.some((args) => args === '. .' || /^\S*(cli|common|streaming|batch|generator|local)\b/.test(args)),
    `runtime copies sources: ${copied.join(' | ')}`,
  );
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string> };
  for (const tool of ['tsx', 'esbuild', 'typescript']) assert.ok(!(tool in pkg.dependencies), `${tool} is a production dependency`);
  assert.match(pkg.scripts.prepare ?? '', /\bbuild\b/, 'npm ci builds (prepare), so `npx orderflow` runs right after it');
  assert.ok(
    runs.some((run) => /\bnpm ci\b/.test(run) && /--omit=dev\b/.test(run) && /--ignore-scripts\b/.test(run)),
    'the production install skips prepare (it needs tsc)',
  );
});

test('the runtime stage runs as a non-root user', () => {
  const users = runtime.instructions.filter((i) => i.keyword === 'USER');
  assert.ok(users.length > 0, 'no USER in the runtime stage: it would run as root');
  const user = users.at(-1)!.args.split(':')[0]!;
  assert.ok(!['root', '0'].includes(user), `USER ${user}`);
  const last = runtime.instructions.map((i) => i.keyword);
  assert.ok(last.lastIndexOf('USER') > Math.max(last.lastIndexOf('RUN'), last.lastIndexOf('COPY')), 'USER comes after the last RUN and COPY');
});

test('one entrypoint, the orderflow CLI, for every subcommand', () => {
  const entrypoints = runtime.instructions.filter((i) => i.keyword === 'ENTRYPOINT');
  assert.equal(entrypoints.length, 1);
  const argv = JSON.parse(entrypoints[0]!.args) as string[];
  assert.deepEqual(argv.slice(-2), ['node', '/app/bin/orderflow.js']);
  assert.ok(existsSync(join(REPO, 'bin/orderflow.js')));
  assert.ok(runtime.instructions.some((i) => i.keyword === 'WORKDIR' && i.args === '/app'));
});

test('.dockerignore keeps local state, secrets and build leftovers out of the image', () => {
  const ignored = new Set(
    readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#')),
  );
  for (const entry of ['node_modules', '.git', 'data', '*.duckdb', '.terraform', '*.tfstate*', '*.tfvars', '.env']) {
    assert.ok(ignored.has(entry), `.dockerignore lacks ${entry}`);
  }
});
