import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import {
  float8Array,
  int2Array,
  int4Array,
  int8Array,
  timestamptzArray,
} from "../../src/storage/postgres/pg-binary-arrays.ts";
import { msOf, pgInstant } from "../../src/storage/postgres/pg-instant.ts";
import { TEST_POSTGRES_URL } from "../helpers/postgres.ts";

/** The server reads each array back as text: what it received, element by element. */
describe("binary array parameters, as PostgreSQL reads them", () => {
  let client: pg.Client;
  before(async () => {
    client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
  });
  after(async () => {
    await client.end();
  });

  async function elements(sql: string, param: Buffer): Promise<(string | null)[]> {
    const result = await client.query<{ e: string | null }>(
      `SELECT e::text AS e FROM unnest(${sql}) WITH ORDINALITY AS u(e, n) ORDER BY n`,
      [param],
    );
    return result.rows.map((r) => r.e);
  }

  it("int2, int4 and int8 keep their values, negative and extreme ones too", async () => {
    const small = [0, 1, -1, 32767, -32768];
    assert.deepEqual(await elements("$1::smallint[]", int2Array(small)), small.map(String));
    const ints = [0, 7, -7, 2147483647, -2147483648];
    assert.deepEqual(await elements("$1::int[]", int4Array(ints)), ints.map(String));
    const bigs = [
      0,
      1,
      -1,
      4294967295,
      4294967296,
      -4294967297,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ];
    assert.deepEqual(await elements("$1::int8[]", int8Array(bigs)), bigs.map(String));
  });

  it("float8 keeps every double exactly, NaN and infinities included; -0 goes as 0", async () => {
    const doubles = [
      0,
      1.5,
      -2.25,
      0.1,
      1e-300,
      1.7976931348623157e308,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ];
    const result = await client.query<{ e: number }>(
      "SELECT e FROM unnest($1::float8[]) WITH ORDINALITY AS u(e, n) ORDER BY n",
      [float8Array([...doubles, -0])],
    );
    assert.deepEqual(
      result.rows.map((r) => r.e),
      [...doubles, 0],
    );
    assert.ok(Object.is(result.rows.at(-1)?.e, 0));
  });

  it("timestamptz is exact to the ms from year 1 to 9999, before 1970 and 2000 too, and clamps beyond", async () => {
    const instants = [
      Date.parse("0001-01-01T00:00:00.000Z"),
      Date.parse("1969-12-31T23:59:59.999Z"),
      0,
      Date.parse("1999-12-31T23:59:59.999Z"),
      Date.parse("2000-01-01T00:00:00.000Z"),
      Date.parse("2000-01-01T00:00:00.001Z"),
      Date.parse("2026-06-15T11:59:59.001Z"),
      Date.parse("2262-04-11T23:47:16.855Z"), // µs past 2^63 ns: where a float count would round
      Date.parse("9999-12-31T23:59:59.999Z"),
      -1,
      1,
    ];
    for (let i = 0; i < 200; i++) instants.push(Math.floor((Math.random() - 0.2) * 8e12));
    const result = await client.query<{ ms: number; same: boolean }>(
      `SELECT ${msOf("b")} AS ms, b = t AS same
         FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS u(b, t, n) ORDER BY n`,
      [timestamptzArray(instants), instants.map(pgInstant)],
    );
    assert.deepEqual(
      result.rows.map((r) => r.ms),
      instants,
    );
    assert.ok(result.rows.every((r) => r.same));
    const clamped = await elements("$1::timestamptz[]", timestamptzArray([-1e15, 1e15]));
    const [first, last] = await elements(
      "$1::timestamptz[]",
      timestamptzArray([Date.parse("0001-01-01T00:00:00.000Z"), Date.parse("9999-12-31T23:59:59.999Z")]),
    );
    assert.deepEqual(clamped, [first, last]);
  });

  it("timestamptz takes NULL elements, and every type an empty array", async () => {
    const at = Date.parse("2026-06-15T12:00:00.123Z");
    const result = await client.query<{ ms: number | null }>(
      `SELECT ${msOf("e")} AS ms FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(e, n) ORDER BY n`,
      [timestamptzArray([null, at, null])],
    );
    assert.deepEqual(
      result.rows.map((r) => r.ms),
      [null, at, null],
    );
    const empty = await client.query<{ n: number }>(
      `SELECT cardinality($1::smallint[]) + cardinality($2::int[]) + cardinality($3::int8[])
         + cardinality($4::float8[]) + cardinality($5::timestamptz[]) AS n`,
      [int2Array([]), int4Array([]), int8Array([]), float8Array([]), timestamptzArray([])],
    );
    assert.equal(empty.rows[0]?.n, 0);
  });
});
