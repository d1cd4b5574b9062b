/** Where the PostgreSQL test server is: `BOSUN_TEST_PG_URL`, by default the machine's own. */
export const TEST_PG_URL = process.env.BOSUN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const adminUrl = () => TEST_PG_URL;

export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
