/** Mail to the office's staff: the sign-in link asked for at `/app/login`. */
import { Button, MailLayout, type RenderedMail, renderHtml } from './layout';

export type StaffLoginLinkInput = { tenantName: string; recipientName: string; signInUrl: string; linkExpiresAt: Date };

const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? name;

export async function renderStaffLoginLink(input: StaffLoginLinkInput): Promise<RenderedMail> {
  const subject = `Sign in to ${input.tenantName} on Bosun`;
  const until = input.linkExpiresAt.toISOString().replace('T', ' ').slice(0, 16);
  const text = [
    `Hello ${firstName(input.recipientName)},`,
    '',
    `Here is the link you asked for. It signs you in to the office dashboard of ${input.tenantName}:`,
    input.signInUrl,
    '',
    `It works until ${until} UTC. If you did not ask for it, ignore this mail.`,
    '',
  ].join('\n');
  const html = await renderHtml(
    <MailLayout title={subject} tenantName={input.tenantName}>
      <h1 style="font-size:20px;margin:0 0 8px">Sign in to {input.tenantName}</h1>
      <p>Hello {firstName(input.recipientName)}, here is the link you asked for.</p>
      <Button href={input.signInUrl}>Open the office dashboard</Button>
      <p style="font-size:13px;color:#5b6b7b">
        It works until {until} UTC. If you did not ask for it, ignore this mail. Address:{' '}
        <span style="word-break:break-all">{input.signInUrl}</span>
      </p>
    </MailLayout>,
  );
  return { subject, text, html };
}
