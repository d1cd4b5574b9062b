/**
 * The box around a wide table: it scrolls sideways on a phone, so it takes focus (to scroll by
 * keyboard) and is a region named for what the table lists.
 */
import type { Child, FC } from 'hono/jsx';

export const TableWrap: FC<{ label: string; children?: Child }> = ({ label, children }) => (
  <section class="table-wrap" tabindex={0} aria-label={label}>
    {children}
  </section>
);
