/**
 * The short-lived process that creates the embedded database (ADR 0030): a new PGlite folder at the
 * path it is given, migrated, with the job queue's schema. It runs apart from `bosun start` so that
 * the server's WebAssembly memory, which never shrinks, never grows for initdb and the migrations.
 * Its parent holds the data lock and moves the folder into place only once this process succeeded.
 * Exits 0 when done; otherwise writes one line naming the cause to stderr and exits 1.
 */
import { restrictNewFiles } from '../config/data-folder';
import { buildDatabase } from './embedded-database';

restrictNewFiles();
const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: create-database <folder>\n');
  process.exit(1);
}
buildDatabase(dir).then(
  () => process.exit(0),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message.split('\n')[0]}\n`);
    process.exit(1);
  },
);
