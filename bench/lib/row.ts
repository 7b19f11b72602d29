/** One line of the bench's table: a scenario measured on the baseline and on Foyer, side by side. */
export interface Measure {
  /** Operations per second (requests, or whole sign-ins for flows). */
  rate: number;
  p50: number;
  p99: number;
  ops: number;
  errors: number;
  /** Server CPU per operation (ms), summed over the server processes involved (Foyer + partner). */
  cpuMsPerOp?: number;
  /** The same split by process (e.g. foyer and partner IdP). */
  cpuMsPerOpBy?: Record<string, number>;
  /** The load client's own CPU per operation (flows only; it shares the machine). */
  clientCpuMsPerOp?: number;
  /** HTTP requests per operation (flows). */
  requestsPerOp?: number;
  /** SQL statements per operation on the measured server (Foyer's directory + SQL adapter, or the baseline's adapter). */
  sqlPerOp?: number;
  /** Flows: the SQL statements per operation by text (oidc_payloads ones with their model). */
  sqlByStatement?: [string, number][];
  /** Flows on Foyer with Redis: commands per operation (a MULTI … EXEC block counts once), and by command and key shape. */
  redisPerOp?: number;
  redisByCommand?: [string, number][];
  /** 1-minute load average when the measurement started (other work on the machine shows here). */
  load1: number;
  samples?: string[];
}

export interface Row {
  id: string;
  scenario: string;
  storage: string;
  unit: string;
  baseline?: Measure;
  foyer?: Measure;
  /** Minimum Foyer/baseline ratio the issue asks for. */
  target?: number;
  note?: string;
  skipped?: string;
}
