import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addArchitectureOptions, addTrainingOptions, architectureChanges, runOptions, trainingFlags, type TrainingFlagSpec } from '../../src/cli/training.js';
import { BUILT_IN_TERMS } from '../../src/train/terms/index.js';
import { toyTerm } from '../train/toy-term.js';

const spec: TrainingFlagSpec = { terms: [...BUILT_IN_TERMS, toyTerm().term] };

function parse(args: string[]) {
  const cmd = new Command().exitOverride().option('--content <dir>');
  addArchitectureOptions(cmd);
  addTrainingOptions(cmd, spec);
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

test('flags map to library options: only those given, nested groups filled, commander defaults kept', () => {
  const f = parse([
    '--content', 'photos', '-o', 'm.onnx', '--steps', '7', '--lr', '0.01', '--beta2', '0.99', '--motion-shift', '1.5',
    '--content-weight', '0', '--toy-weight', '2', '--style-layers', 'relu1_2,relu2_2', '--preview', 'a.jpg', 'b.jpg',
    '--clip-norm', '3', '--checkpoint', '', '--width', '8', '--head', 'tanh', '--json',
  ]);
  assert.deepEqual(runOptions(f, spec), {
    content: 'photos', output: 'm.onnx', steps: 7, size: 256, batch: 4, vgg: 'vgg19-block1-3', seed: 0, checkpointEvery: 500, previewEvery: 500,
    styleLayers: ['relu1_2', 'relu2_2'], previewImages: ['a.jpg', 'b.jpg'], clipNorm: 3,
    weights: { content: 0, toy: 2 }, adam: { lr: 0.01, beta2: 0.99 }, motion: { shift: 1.5 },
  });
  assert.deepEqual(architectureChanges(f), { width: 8, head: 'tanh' });
});

test('with no optional flags, the library gets empty groups and applies its own defaults', () => {
  const o = runOptions(parse(['-o', 'm.onnx', '--steps', '1']));
  assert.deepEqual([o.weights, o.adam, o.motion], [{}, {}, {}]);
  assert.deepEqual(architectureChanges(parse(['-o', 'm.onnx', '--steps', '1'])), {});
});

test('each term declares its weight flag; a command may give it other help', () => {
  const flags = (s: TrainingFlagSpec) => trainingFlags(s).filter((f) => f.flags.includes('-weight '));
  assert.deepEqual(flags(spec).map((f) => f.flags), ['--temporal-weight <w>', '--content-weight <w>', '--style-weight <w>', '--tv-weight <w>', '--distill-weight <w>', '--teacher-content-weight <w>', '--teacher-style-weight <w>', '--toy-weight <w>']);
  assert.equal(flags({ weightHelp: { distill: 'other' } }).find((f) => f.flags.startsWith('--distill'))!.help, 'other');
  // Every flag but --json sets an option.
  assert.deepEqual(trainingFlags().filter((f) => !f.to).map((f) => f.flags), ['--json']);
});
