import { createRequire } from 'node:module';
import os from 'node:os';

export interface MachineInfo {
  readonly cpu: string;
  /** Logical cores the OS reports. */
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly onnxruntime: string;
  /** Load average over the last minute when the info was taken (other work on the machine). */
  readonly load1: number;
}

function onnxruntimeVersion(): string {
  try {
    return (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** What a benchmark result needs in its header to be interpreted later. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntime: onnxruntimeVersion(),
    load1: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** One line for a Markdown or console header. */
export function formatMachine(m: MachineInfo): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, onnxruntime-node ${m.onnxruntime}, load ${m.load1}`;
}

/**
 * Wait (up to `timeoutMs`) until the 1-minute load average is below `max`, so a benchmark starts on a
 * quiet machine and the load it records is what else was running, not the tail of its own last step.
 * Returns the load average it started at.
 */
export async function waitForQuiet(max = 1.5, timeoutMs = 180_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (os.loadavg()[0]! >= max && Date.now() < end) await new Promise((r) => setTimeout(r, 2000));
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
