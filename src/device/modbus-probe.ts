import { ModbusConnection, ModbusError, type ModbusTiming, type RegisterKind } from "./modbus-connection.ts";
import { decodeRegisters, registerCount } from "./modbus-registers.ts";
import type { ModbusField } from "./profile-schema.ts";

/** Where to knock and what to ask. */
export interface ProbeSettings {
  readonly host: string;
  readonly ports: readonly number[];
  readonly unitIds: readonly number[];
  readonly registerKind: RegisterKind;
  /** The register read to see whether a unit answers (the profile's first field). */
  readonly field: ModbusField;
  /** Retries are ignored: a probe asks each combination once. */
  readonly timing: ModbusTiming;
}

/** The outcome for one port and unit id (unitId undefined when the port did not accept a connection). */
export interface ProbeResult {
  readonly port: number;
  readonly unitId: number | undefined;
  readonly outcome: "answers" | "no-connection" | "no-answer" | "refuses";
  /** The decoded register value when it answered, else the reason. */
  readonly detail: string;
}

/** Tries every port × unit id combination in turn and reports each outcome as it is known. */
export async function probeModbus(
  settings: ProbeSettings,
  report: (result: ProbeResult) => void,
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const record = (result: ProbeResult) => {
    results.push(result);
    report(result);
  };
  const { field } = settings;
  for (const port of settings.ports) {
    const connection = new ModbusConnection(settings.host, port, { ...settings.timing, retries: 0 });
    try {
      for (const unitId of settings.unitIds) {
        try {
          const words = await connection.readRegisters(
            unitId,
            settings.registerKind,
            field.address,
            registerCount(field.dataType),
          );
          const value = decodeRegisters(words, field.dataType);
          record({ port, unitId, outcome: "answers", detail: `register ${field.address} = ${value}` });
        } catch (error) {
          if (!(error instanceof ModbusError)) throw error;
          if (error.kind === "connect") {
            record({ port, unitId: undefined, outcome: "no-connection", detail: error.message });
            break;
          }
          record({
            port,
            unitId,
            outcome: error.kind === "exception" ? "refuses" : "no-answer",
            detail: error.message,
          });
        }
      }
    } finally {
      await connection.close();
    }
  }
  return results;
}
