import type { DataSource } from "../../src/domain/data-source.ts";

/** An enabled CIM submeter data source for tests that write through the storage layer directly. */
export function testDataSource(id: string, at = 0): DataSource {
  return {
    id,
    name: id,
    type: "CIM",
    asset: "SUBMETER",
    role: "OTHER_CONSUMER",
    countryCode: "AT",
    icon: "METER",
    meterId: null,
    operatorId: null,
    plausibility: null,
    enabled: true,
    owner: "admin",
    createdAt: at,
    updatedAt: at,
  };
}
