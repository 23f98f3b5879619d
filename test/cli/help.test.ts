import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { program } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';

const commands = program().commands;

test('--version prints the version in package.json', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${version}\n`);
});

test('every option names its default at most once, and required options say so', () => {
  assert.ok(commands.length >= 16);
  for (const cmd of commands) {
    const help = cmd.createHelp();
    for (const o of cmd.options) {
      const text = help.optionDescription(o);
      const defaults = text.match(/\bdefaults? to\b|\(default:|\bby default\b/g) ?? [];
      assert.ok(defaults.length <= 1, `${cmd.name()} ${o.flags}: ${text}`);
      assert.equal(text.endsWith('(required)'), o.mandatory, `${cmd.name()} ${o.flags}: ${text}`);
    }
  }
});

test('a default only commander knows is still shown; one the text gives is not repeated', () => {
  const help = (name: string) => commands.find((c) => c.name() === name)!.helpInformation().replace(/\s+/g, ' ');
  assert.match(help('train'), /--batch <n> photos per step \(default: 4\)/);
  assert.match(help('eval'), /timed runs per model \(defaults to 100\) --/);
  assert.match(help('export'), /-o, --output <file> output file \(e\.g\. Style\.mlmodel, style\.onnx\) \(required\)/);
});
