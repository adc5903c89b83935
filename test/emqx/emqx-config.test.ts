import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EMQX_PASSWORD_VARIABLES, emqxConfigSnippet } from "../../src/emqx/emqx-config.ts";
import { EMQX_AUTHN_QUERY, EMQX_AUTHZ_QUERY } from "../../src/emqx/emqx-queries.ts";
import { DatabaseUrlError, parsePostgresUrl } from "../../src/emqx/postgres-server.ts";
import { runHubCommand } from "../helpers/hub-process.ts";
import { snippetQueries } from "./emqx-emulation.ts";

const PASSWORD = "pg-pass@word-31";
const URL_WITH_PASSWORD = `postgres://emqx_reader:${encodeURIComponent(PASSWORD)}@db.example:6543/aiida?sslmode=require`;

/** The lines of the snippet that are settings, not comments. */
function settingLines(snippet: string): string[] {
  return snippet.split("\n").filter((line) => !line.trimStart().startsWith("#"));
}

/** The values of `key = …` and `key { … }` lines, in order. */
function values(snippet: string, key: string): string[] {
  const pattern = new RegExp(`^\\s*${key} (?:= )?(.*)$`);
  return settingLines(snippet).flatMap((line) => pattern.exec(line)?.[1] ?? []);
}

describe("parsePostgresUrl", () => {
  it("reads server, database, user and TLS from the URL, and only notes that it held a password", () => {
    assert.deepEqual(parsePostgresUrl(URL_WITH_PASSWORD), {
      server: "db.example:6543",
      database: "aiida",
      username: "emqx_reader",
      tls: true,
      hadPassword: true,
    });
  });

  it("takes PostgreSQL's port when none is given, and no TLS unless the URL insists on it", () => {
    for (const [url, tls] of [
      ["postgresql://hub@10.0.0.5/aiida", false],
      ["postgres://hub@10.0.0.5/aiida?sslmode=prefer", false],
      ["postgres://hub@10.0.0.5/aiida?sslmode=verify-full", true],
      ["postgres://hub@10.0.0.5/aiida?ssl=true", true],
    ] as const) {
      const db = parsePostgresUrl(url);
      assert.equal(db.server, "10.0.0.5:5432", url);
      assert.equal(db.tls, tls, url);
      assert.equal(db.hadPassword, false, url);
    }
  });

  it("refuses what is not one PostgreSQL database, saying what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["db.example:5432/aiida", /must start with postgres:\/\/ \(it starts with db\.example:\/\/\)/],
      ["no url at all", /not a URL/],
      ["mysql://root@db.example/aiida", /must start with postgres:\/\//],
      ["postgres://hub@db.example", /must name one database/],
      ["postgres://hub@db.example/", /must name one database/],
      ["postgres://hub@db.example/a/b", /must name one database/],
    ];
    for (const [url, message] of cases) {
      assert.throws(
        () => parsePostgresUrl(url),
        (err: unknown) => {
          assert.ok(err instanceof DatabaseUrlError, url);
          assert.match(err.message, message, url);
          return true;
        },
      );
    }
  });
});

const snippet = emqxConfigSnippet(parsePostgresUrl(URL_WITH_PASSWORD));

describe("emqxConfigSnippet", () => {
  it("never holds the database password, and says where EMQX takes it from instead", () => {
    assert.equal(snippet.includes(PASSWORD), false);
    assert.equal(snippet.includes(encodeURIComponent(PASSWORD)), false);
    assert.deepEqual(values(snippet, "password"), [], "no password setting at all");
    for (const name of EMQX_PASSWORD_VARIABLES) assert.ok(snippet.includes(`${name}=`), name);
  });

  it("sets up one password-based PostgreSQL authenticator with sha256, salt as prefix", () => {
    assert.deepEqual(values(snippet, "mechanism"), ["password_based"]);
    assert.deepEqual(values(snippet, "backend"), ["postgresql"]);
    assert.deepEqual(values(snippet, "password_hash_algorithm"), [
      "{ name = sha256, salt_position = prefix }",
    ]);
  });

  it("sets up one PostgreSQL authorizer, and refuses whatever no rule allows", () => {
    assert.deepEqual(values(snippet, "type"), ["postgresql"]);
    assert.deepEqual(values(snippet, "no_match"), ["deny"]);
    assert.deepEqual(values(snippet, "deny_action"), ["disconnect"]);
  });

  it("gives both the URL's server, database, user and TLS", () => {
    assert.deepEqual(values(snippet, "server"), ['"db.example:6543"', '"db.example:6543"']);
    assert.deepEqual(values(snippet, "database"), ['"aiida"', '"aiida"']);
    assert.deepEqual(values(snippet, "username"), ['"emqx_reader"', '"emqx_reader"']);
    assert.deepEqual(values(snippet, "ssl"), ["{ enable = true }", "{ enable = true }"]);
  });

  it("holds the two queries as HOCON quoted strings, placeholders left for EMQX", () => {
    assert.deepEqual(snippetQueries(snippet), [EMQX_AUTHN_QUERY, EMQX_AUTHZ_QUERY]);
  });

  it("quotes a database name or user with quotes or backslashes in it", () => {
    const odd = emqxConfigSnippet(parsePostgresUrl("postgres://a%22b%5C@h/d%22b"));
    assert.deepEqual(values(odd, "username"), ['"a\\"b\\\\"', '"a\\"b\\\\"']);
    assert.deepEqual(values(odd, "database"), ['"d\\"b"', '"d\\"b"']);
  });

  it("leaves the user out when the URL names none (EMQX then connects without one)", () => {
    assert.deepEqual(values(emqxConfigSnippet(parsePostgresUrl("postgres://h/d")), "username"), []);
  });

  it("balances its braces and brackets", () => {
    const text = settingLines(snippet)
      .join("\n")
      .replace(/"(?:[^"\\]|\\.)*"/g, '""');
    let depth = 0;
    for (const c of text) {
      if (c === "{" || c === "[") depth++;
      if (c === "}" || c === "]") depth--;
      assert.ok(depth >= 0);
    }
    assert.equal(depth, 0);
  });
});

describe("aiida-hub emqx-config", () => {
  it("prints the snippet for the URL, and on stderr only that the password was left out", async () => {
    const result = await runHubCommand(["emqx-config", "--database-url", URL_WITH_PASSWORD]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, snippet);
    assert.equal(
      result.stderr,
      "aiida-hub: the URL's password was left out; give it to EMQX as the snippet says\n",
    );
  });

  it("takes the URL from AIIDA_HUB_DATABASE_URL when the flag is not given", async () => {
    const result = await runHubCommand(["emqx-config"], {
      AIIDA_HUB_DATABASE_URL: "postgres://hub@pg/aiida",
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, emqxConfigSnippet(parsePostgresUrl("postgres://hub@pg/aiida")));
    assert.equal(result.stderr, "");
  });

  it("exits 2 with the reason for a bad URL or none, printing no snippet", async () => {
    const bad = await runHubCommand(["emqx-config", "--database-url", "mysql://root@db/aiida"]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, "");
    assert.match(bad.stderr, /^aiida-hub: the database URL must start with postgres:\/\//);
    const none = await runHubCommand(["emqx-config"]);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, "aiida-hub: give --database-url <url>\n");
  });
});

// Keep the snippet's first line a comment: operators append it to emqx.conf as it is.
it("starts with a comment naming the command that made it", () => {
  assert.match(emqxConfigSnippet(parsePostgresUrl("postgres://h/d")), /^# .*aiida-hub emqx-config/);
});
