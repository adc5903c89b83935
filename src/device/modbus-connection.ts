import { setTimeout as delay } from "node:timers/promises";
import modbusSerial from "modbus-serial";
import { describeNetworkError } from "./network-error.ts";

// Under NodeNext the CommonJS default export is typed as the module object; its `default` is the client class.
const ModbusClient = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusClient>;

/** Pacing and patience towards one Modbus TCP device. */
export interface ModbusTiming {
  /** Wait after connecting before the first request. */
  readonly connectDelayMs: number;
  /** Least pause between two requests. */
  readonly requestSpacingMs: number;
  /** Connect timeout and per-request answer timeout. */
  readonly timeoutMs: number;
  /** Further attempts of a request that timed out or lost its connection. */
  readonly retries: number;
}

/** Which Modbus table to read: holding registers (function 3) or input registers (function 4). */
export type RegisterKind = "holding" | "input";

/** A failure talking to the device, with a message a user can act on. */
export class ModbusError extends Error {
  constructor(
    message: string,
    /** "connect": no TCP connection; "timeout": no answer; "exception": the device answered with a Modbus exception. */
    readonly kind: "connect" | "timeout" | "exception",
  ) {
    super(message);
  }
}

interface LibraryError {
  readonly name?: string;
  readonly message?: string;
  readonly modbusCode?: number;
}

/**
 * One TCP connection to a Modbus device, opened lazily, and dropped after any failed read so the next
 * attempt opens a new one: inverters and dongles that stop answering often keep the connection open.
 */
export class ModbusConnection {
  #client: ModbusClient | undefined;
  /** performance.now() of the last request, for the spacing: a wall clock stepped back would stall reads. */
  #lastRequestAt = Number.NEGATIVE_INFINITY;
  /** Unit ids that have answered at this address: a later timeout is the device's silence, not a wrong unit id. */
  readonly #answeredUnits = new Set<number>();

  constructor(
    readonly host: string,
    readonly port: number,
    readonly timing: ModbusTiming,
  ) {}

  async #connected(): Promise<ModbusClient> {
    if (this.#client?.isOpen) return this.#client;
    await this.close();
    const client = new ModbusClient();
    // Socket errors also reject the pending connect or request; this only keeps them from crashing the process.
    client.on("error", () => {});
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connectTCP(this.host, { port: this.port }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
            this.timing.timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      client.destroy(() => {});
      throw new ModbusError(
        `cannot connect to ${this.host}:${this.port}: ${describeNetworkError(error)}`,
        "connect",
      );
    } finally {
      clearTimeout(timer);
    }
    client.setTimeout(this.timing.timeoutMs);
    this.#client = client;
    // Huawei inverters ignore requests that arrive right after the connection opens.
    await delay(this.timing.connectDelayMs);
    return client;
  }

  /** Reads `count` registers from `start` of one unit, retrying timeouts and broken connections. */
  async readRegisters(unitId: number, kind: RegisterKind, start: number, count: number): Promise<number[]> {
    let lastError: ModbusError | undefined;
    for (let attempt = 0; attempt <= this.timing.retries; attempt++) {
      const client = await this.#connected();
      const wait = this.#lastRequestAt + this.timing.requestSpacingMs - performance.now();
      if (wait > 0) await delay(wait);
      client.setID(unitId);
      try {
        const result =
          kind === "holding"
            ? await client.readHoldingRegisters(start, count)
            : await client.readInputRegisters(start, count);
        this.#answeredUnits.add(unitId);
        return result.data;
      } catch (error) {
        lastError = this.#explain(error as LibraryError, unitId, start, count);
        // An exception is the device's considered answer; asking again would get the same one.
        if (lastError.kind === "exception") throw lastError;
        // A device that went silent rarely recovers on the same connection, and a late answer there could
        // be taken for the next request's: the next attempt (a retry, or the next poll) starts afresh.
        await this.close();
      } finally {
        this.#lastRequestAt = performance.now();
      }
    }
    throw lastError ?? new ModbusError("no attempt was made", "timeout");
  }

  #explain(error: LibraryError, unitId: number, start: number, count: number): ModbusError {
    const registers = count === 1 ? `register ${start}` : `registers ${start}..${start + count - 1}`;
    if (typeof error.modbusCode === "number") {
      return new ModbusError(
        `unit id ${unitId} refused ${registers}: ${error.message ?? "Modbus exception"}`,
        "exception",
      );
    }
    if (error.name === "TransactionTimedOutError" && this.#answeredUnits.has(unitId)) {
      return new ModbusError(
        `no answer from ${this.host}:${this.port} unit id ${unitId} within ${this.timing.timeoutMs} ms, ` +
          "though it answered before; the next attempt opens a new connection",
        "timeout",
      );
    }
    if (error.name === "TransactionTimedOutError") {
      return new ModbusError(
        `no answer from ${this.host}:${this.port} unit id ${unitId} within ${this.timing.timeoutMs} ms ` +
          "(wrong unit id? `aiida-hub probe-modbus` tries the usual ones)",
        "timeout",
      );
    }
    return new ModbusError(
      `reading ${registers} from ${this.host}:${this.port} failed: ${describeNetworkError(error)}`,
      "timeout",
    );
  }

  /** Closes the connection; the next read opens a new one. */
  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    // destroy, not close: close waits for the device to end its side, which some never do.
    await new Promise<void>((resolve) => client.destroy(() => resolve()));
  }
}
