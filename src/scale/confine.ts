/**
 * Every path a job names, checked against the worker's storage before the job touches the file
 * system. Submit writes well-formed jobs, but anyone who can write to the queue can add one by hand
 * (BullMQ's API, redis-cli), so the worker trusts no field of it.
 */
import { isModelPath } from '../models/load.js';
import type { JobName, JobTypes } from './jobs.js';
import type { Storage } from './storage.js';

function list(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list of paths`);
  return value;
}

/** A model file is read like an input; a registered name is the worker's own to resolve. */
export async function checkModel(storage: Storage, model: unknown): Promise<void> {
  if (typeof model !== 'string' || model === '') throw new Error('model is not a name or a path');
  if (await isModelPath(model)) await storage.check(model, 'model');
}

/** Throw a one-line reason unless every path in a job of type `name` leads inside the storage. */
export async function checkJob(storage: Storage, name: JobName, data: unknown): Promise<void> {
  if (typeof data !== 'object' || data === null) throw new Error('job data is not an object');
  const d = data as Partial<Record<string, unknown>>;
  await checkModel(storage, d.model);
  switch (name satisfies keyof JobTypes) {
    case 'segment':
      await storage.check(d.input, 'input');
      await storage.checkOutput(d.output);
      await storage.checkWork(d.work);
      return;
    case 'assemble':
      await storage.check(d.input, 'input');
      await storage.checkOutput(d.output);
      await storage.checkWork(d.work);
      for (const p of list(d.parts, 'parts')) await storage.check(p, 'part');
      return;
    case 'photos': {
      const [inputs, outputs] = [list(d.inputs, 'inputs'), list(d.outputs, 'outputs')];
      if (inputs.length !== outputs.length) throw new Error(`${inputs.length} inputs but ${outputs.length} outputs`);
      for (const p of inputs) await storage.check(p, 'input');
      for (const p of outputs) await storage.checkOutput(p);
      return;
    }
    case 'collect':
      // Writes nothing; its folders appear in messages and `stylecast jobs`.
      await storage.check(d.input, 'input');
      await storage.check(d.output, 'output');
      return;
  }
}
