import { MAX_ENERGY_INTERVALS } from "./energy-request.ts";

const when = (which: string) =>
  `${which}: a date (YYYY-MM-DD, local midnight in tz), a local date-time without offset (read in tz), an ISO instant with offset or Z, or epoch ms`;

/** The query parameters of /energy and /energy.csv. */
const energyParameters = [
  { name: "from", in: "query", required: true, schema: { type: "string" }, description: when("from") },
  {
    name: "to",
    in: "query",
    required: true,
    schema: { type: "string" },
    description: `${when("to")}; exclusive. The range is widened to whole intervals`,
  },
  {
    name: "interval",
    in: "query",
    schema: { enum: ["hour", "day", "week", "month"], default: "day" },
    description: `weeks start on Monday; at most ${MAX_ENERGY_INTERVALS.toLocaleString("en-US")} intervals`,
  },
  {
    name: "tz",
    in: "query",
    schema: { type: "string" },
    description: "IANA time zone, e.g. Europe/Vienna; default the hub's --time-zone",
  },
];

const energyFigure = {
  type: "object",
  required: ["kWh", "completeness", "resets"],
  properties: {
    kWh: {
      type: ["number", "null"],
      description:
        "null when unknown: no register reading in the interval, or (power) no pair of readings within the gap limit",
    },
    completeness: {
      type: "number",
      minimum: 0,
      maximum: 1,
      description:
        "share of the interval between readings no more than maxGapSeconds apart: below 1 for the first day of data, gaps, and the current interval",
    },
    resets: {
      type: "integer",
      description:
        "decreases of a total register in the interval (meter reset or replacement); each counts as no energy, and the energy between the last reading before it and the reset is missing",
    },
  },
};

/** The OpenAPI description of GET /api/datasources/{id}/energy and its answer's schemas. */
export const energyOpenApi = {
  schemas: {
    EnergyFigure: energyFigure,
    EnergyFlow: {
      ...energyFigure,
      required: [...energyFigure.required, "method"],
      properties: {
        ...energyFigure.properties,
        kWh: { type: "number" },
        method: {
          enum: ["register", "power"],
          description:
            "register: the difference of a total register (1-0:1.8.0 / 2.8.0, else its phases added up): the last value in the interval minus the last before it; power: 1-0:1.7.0 / 2.7.0 (else the phases) integrated by trapezoids, not across gaps longer than maxGapSeconds",
        },
      },
    },
    EnergyPerPeriod: {
      type: "object",
      properties: {
        dataSourceId: { type: "string", format: "uuid" },
        timeZone: { type: "string", description: "the IANA zone the intervals follow" },
        interval: { enum: ["hour", "day", "week", "month"] },
        from: { type: "string", description: "start of the first interval, ISO 8601 with the zone's offset" },
        to: { type: "string", description: "end of the last interval" },
        maxGapSeconds: { type: "integer", description: "--energy-max-gap" },
        quantities: {
          type: "array",
          description: "the energy quantities the data source has readings of in the range",
          items: {
            type: "object",
            properties: {
              obis: { type: "string" },
              name: { type: "string" },
              direction: { enum: ["import", "export"] },
              method: { enum: ["register", "power"] },
            },
          },
        },
        intervals: {
          type: "array",
          items: {
            type: "object",
            properties: {
              start: {
                type: "string",
                description: "ISO 8601 with the zone's offset, e.g. 2026-03-29T00:00:00+01:00",
              },
              end: { type: "string", description: "a daylight-saving day is 23 or 25 hours long" },
              import: { oneOf: [{ $ref: "#/components/schemas/EnergyFlow" }, { type: "null" }] },
              export: { oneOf: [{ $ref: "#/components/schemas/EnergyFlow" }, { type: "null" }] },
              quantities: {
                type: "object",
                description: "each quantity's own energy, by OBIS code (phases, and power beside registers)",
                additionalProperties: { $ref: "#/components/schemas/EnergyFigure" },
              },
            },
          },
        },
      },
    },
  },
  path: {
    get: {
      summary:
        "Energy imported and exported per local calendar hour, day, ISO week or month, from total registers or integrated power",
      parameters: energyParameters,
      responses: {
        "200": {
          description: "Energy per interval",
          content: { "application/json": { schema: { $ref: "#/components/schemas/EnergyPerPeriod" } } },
        },
      },
    },
  },
  csvPath: {
    get: {
      summary:
        "Energy per period as CSV (RFC 4180, UTF-8, CRLF, header row), with the parameters and errors of /energy (errors as JSON): one row per interval with Local start (<zone>) and Local end (<zone>) with their UTC offset, UTC start, the kWh imported and exported headed with the role's plain names (Grid import (kWh), Feed-in (kWh); Import or Export where the role names none), then for each of the two its method, completeness (%) and resets; empty cells where /energy has null. Sent as an attachment named aiida-<source>-energy-<interval>-<first day>_<last day>.csv (whole local days) or …-<start>_<end>.csv (local minutes, HHMM)",
      parameters: energyParameters,
      responses: {
        "200": {
          description: "The CSV",
          content: { "text/csv": { schema: { type: "string" } } },
        },
      },
    },
  },
};
