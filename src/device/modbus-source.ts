import type { TimeSeriesQuantity } from "../cim/format-time-series.ts";
import { type MeterReading, orderedQuantities, type ReadingSource } from "./meter-reading.ts";
import { ModbusConnection, type ModbusTiming } from "./modbus-connection.ts";
import { planRegisterBlocks, RegisterImage } from "./modbus-registers.ts";
import { pollReadings } from "./polling.ts";
import type { ModbusProfile } from "./profile-schema.ts";
import { mapValue } from "./value-mapping.ts";

/** What a Modbus source needs: where the device is, its profile, and the profile defaults the user overrode. */
export interface ModbusSourceSettings {
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
  readonly timing: ModbusTiming;
  readonly profile: ModbusProfile;
  readonly intervalMs: number;
}

/** Reads every register block of the profile once and maps the fields; the reading's time is the first answer's. */
export async function readModbusProfile(
  connection: ModbusConnection,
  unitId: number,
  profile: ModbusProfile,
): Promise<MeterReading> {
  const image = new RegisterImage();
  let timestamp: number | undefined;
  for (const block of planRegisterBlocks(
    profile.fields,
    profile.maxRegistersPerRead,
    profile.maxGapRegisters,
  )) {
    image.put(block, await connection.readRegisters(unitId, profile.registerKind, block.start, block.count));
    timestamp ??= Date.now();
  }
  const quantities: TimeSeriesQuantity[] = profile.fields.flatMap((field) =>
    mapValue(field, image.valueOf(field)),
  );
  return { timestamp: timestamp ?? Date.now(), quantities: orderedQuantities(quantities) };
}

/** Polls a Modbus TCP device (e.g. a Huawei SUN2000 inverter and its meter) by its profile. */
export function createModbusSource(settings: ModbusSourceSettings): ReadingSource {
  const connection = new ModbusConnection(settings.host, settings.port, settings.timing);
  return {
    description:
      `Modbus TCP ${settings.host}:${settings.port} unit id ${settings.unitId} every ${settings.intervalMs / 1000} s ` +
      `(profile ${settings.profile.name})`,
    events: (signal) =>
      pollReadings(
        settings.intervalMs,
        () => readModbusProfile(connection, settings.unitId, settings.profile),
        signal,
      ),
    close: () => connection.close(),
  };
}
