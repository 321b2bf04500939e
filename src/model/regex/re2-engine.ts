import { gunzipSync } from 'zlib';
import { RE2_WASM_GZIP_BASE64 } from './re2-wasm.generated';

// Google RE2 itself (compiled to WebAssembly by scripts/re2-wasm/build.sh), not a port: a port
// differs from the C++ library at the edges (`\C`, program sizes counted per rune instead of per
// UTF-8 byte), and Envoy refuses a regex on exactly what the C++ library says.

/** What RE2 makes of one pattern. */
export type Re2Compilation =
  | { readonly ok: true; readonly programSize: number }
  | { readonly ok: false; readonly errorCode: Re2ErrorCode; readonly error: string };

/** RE2::ErrorCode, in the order re2.h declares it. */
export enum Re2ErrorCode {
  INTERNAL = 1,
  BAD_ESCAPE,
  BAD_CHAR_CLASS,
  BAD_CHAR_RANGE,
  MISSING_BRACKET,
  MISSING_PAREN,
  UNEXPECTED_PAREN,
  TRAILING_BACKSLASH,
  REPEAT_ARGUMENT,
  REPEAT_SIZE,
  REPEAT_OP,
  BAD_PERL_OP,
  BAD_UTF8,
  BAD_NAMED_CAPTURE,
  PATTERN_TOO_LARGE,
}

/** The part of the WebAssembly global this module uses (the project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, (...args: number[]) => number>>) => { readonly exports: unknown };
}

interface Re2Exports {
  readonly memory: { readonly buffer: ArrayBuffer };
  _initialize(): void;
  malloc(size: number): number;
  free(pointer: number): void;
  re2_check(pattern: number, length: number, maxMem: number): number;
  re2_last_error(): number;
}

let instance: Re2Exports | undefined;

/** Compiles `pattern` with RE2's default options and the given memory budget (RE2::Options::max_mem). */
export function compileRe2(pattern: string, maxMemBytes: number): Re2Compilation {
  const re2 = loadRe2();
  const bytes = Buffer.from(pattern, 'utf8');
  const pointer = re2.malloc(bytes.length + 1);
  try {
    new Uint8Array(re2.memory.buffer, pointer, bytes.length).set(bytes);
    const result = re2.re2_check(pointer, bytes.length, maxMemBytes);
    return result >= 0 ? { ok: true, programSize: result } : { ok: false, errorCode: -1 - result, error: lastError(re2) };
  } catch (error) {
    // A trap leaves the module's memory in an unknown state: start afresh on the next call.
    instance = undefined;
    throw error;
  } finally {
    instance?.free(pointer);
  }
}

function lastError(re2: Re2Exports): string {
  const memory = new Uint8Array(re2.memory.buffer);
  const start = re2.re2_last_error();
  const end = memory.indexOf(0, start);
  return Buffer.from(memory.subarray(start, end)).toString('utf8');
}

function loadRe2(): Re2Exports {
  if (!instance) {
    const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    const module = new webAssembly.Module(gunzipSync(Buffer.from(RE2_WASM_GZIP_BASE64, 'base64')));
    let exports: Re2Exports | undefined;
    const memoryView = () => new DataView(exports!.memory.buffer);
    const unused = () => 0;
    // The module runs no I/O: these imports exist only because Abseil links them (stack traces,
    // clocks, environment); each answers "nothing".
    const webAssemblyInstance = new webAssembly.Instance(module, {
      env: {
        emscripten_asm_const_int: unused,
        emscripten_stack_snapshot: unused,
        emscripten_stack_unwind_buffer: unused,
        HaveOffsetConverter: unused,
        emscripten_pc_get_function: unused,
        emscripten_notify_memory_growth: unused,
      },
      wasi_snapshot_preview1: {
        clock_time_get: unused,
        fd_write: unused,
        environ_sizes_get: (countPointer: number, sizePointer: number) => {
          memoryView().setUint32(countPointer, 0, true);
          memoryView().setUint32(sizePointer, 0, true);
          return 0;
        },
        environ_get: unused,
        proc_exit: (code: number) => {
          throw new Error(`RE2 aborted (exit code ${code})`);
        },
      },
    });
    exports = webAssemblyInstance.exports as unknown as Re2Exports;
    exports._initialize();
    instance = exports;
  }
  return instance;
}
