import { readFile } from 'node:fs/promises';

const reason = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/**
 * Read a whole file; a failure becomes one line, `<what> <path> (<code>)`,
 * e.g. `readBytes('x.onnx', 'cannot read model')` -> "cannot read model x.onnx (ENOENT)".
 */
export async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new Error(`${what} ${path} (${reason(e)})`);
  }
}

/** Read and parse a JSON file; both failures are one line naming the file. */
export async function readJsonFile<T>(path: string, what: string): Promise<T> {
  const text = new TextDecoder().decode(await readBytes(path, `${what}: cannot read`));
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${what}: ${path} is not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
}
