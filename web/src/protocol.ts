/** Messages between the page and the inference worker. Pixel buffers are RGBA and always transferred. */

export type Backend = 'webgpu' | 'wasm';

export type ToWorker =
  | {
      readonly type: 'load';
      /** Model id, echoed back so stale replies can be told apart. */
      readonly id: string;
      readonly url: string;
      /** 'auto' tries WebGPU first, then WASM. */
      readonly backend: Backend | 'auto';
      /** Server path holding onnxruntime-web's .mjs/.wasm files. */
      readonly ortPath: string;
    }
  | { readonly type: 'frame'; readonly seq: number; readonly width: number; readonly height: number; readonly pixels: ArrayBuffer };

export type FromWorker =
  | { readonly type: 'ready'; readonly id: string; readonly backend: Backend; readonly threads: number; readonly loadMs: number }
  | { readonly type: 'error'; readonly phase: 'load' | 'run'; readonly id: string; readonly message: string; readonly seq?: number; readonly pixels?: ArrayBuffer }
  | {
      readonly type: 'result';
      readonly id: string;
      readonly seq: number;
      readonly width: number;
      readonly height: number;
      /** Stylized RGBA. */
      readonly output: ArrayBuffer;
      /** The input frame, handed back so the page can show it (split view) and reuse the buffer. */
      readonly input: ArrayBuffer;
      /** session.run alone, and the whole step with pre/post-processing. */
      readonly runMs: number;
      readonly totalMs: number;
    };
