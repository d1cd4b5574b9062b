/** The dashboard's addresses that more than one page links to. */
import { dayIn } from '../../domain/time';

export const bookingPath = (id: string) => `/app/bookings/${encodeURIComponent(id)}`;

/** "Message all guests" of a day, or of one vessel's day. */
export const messagesPath = (date: string, vessel?: string) =>
  `/app/messages/new?date=${date}${vessel ? `&vessel=${encodeURIComponent(vessel)}` : ''}`;

/** Where "Message all guests of this departure" leads from a booking: its vessel's day in the vessel's zone. */
export const departureMessagesPath = (b: { startsAt: string; timezone: string; vessel: string }) =>
  messagesPath(dayIn(new Date(b.startsAt), b.timezone), b.vessel);
