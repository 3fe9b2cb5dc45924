export declare const BUILT_CONSOLE_DIR: string;

export interface RunningBackend {
  /** Such as http://127.0.0.1:41234 */
  baseURL: string;
  port: number;
  /** The server's process group (uv and the server it runs), for signals to all of it. */
  processGroup: number;
  /** The temporary SOS_DATA_DIR (database, keys, backend.log); removed by stop(). */
  dataDir: string;
  /** The copy of the built console the backend serves (SOS_WEB_DIR). */
  webDir: string;
  logFile: string;
  /** Stops the server (its whole process group) and removes dataDir. */
  stop(): Promise<void>;
}

export declare function startBackend(options?: {
  webDir?: string;
  log?: (line: string) => void;
  /** Backend settings (SOS_* variables) on top of the embedded defaults. */
  settings?: Record<string, string>;
}): Promise<RunningBackend>;
