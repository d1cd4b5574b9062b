/** Table types for the query builder; they mirror `migrations/` exactly. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string | undefined, string>;
/** numeric columns arrive as strings so no money is rounded through a float. */
type Numeric = ColumnType<string, string | number, string | number>;

export type TenantSettings = {
  contactEmail?: string;
  contactPhone?: string;
  logoUrl?: string;
  accentColor?: string;
  whatToBring?: string[];
  policies?: string[];
  checklist?: string[];
  /** Hours before departure that assigned crew are reminded by mail (default 24; 0 turns reminders off). */
  crewReminderHours?: number;
  /** Hours before departure that the guest of a confirmed charter is reminded by mail (default 24; 0 turns reminders off). */
  guestReminderHours?: number;
  /** Hours before departure that the pre-departure checklist opens to crew who accepted (default 48). */
  checklistOpensHours?: number;
};

export interface TenantsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  timezone: string;
  settings: Json<TenantSettings>;
  created_at: CreatedAt;
}

export interface SitesTable {
  id: Generated<string>;
  tenant_id: string;
  domain: string;
  role: 'guest' | 'ops';
  cdn: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface VesselsTable {
  id: Generated<string>;
  tenant_id: string;
  slug: string;
  name: string;
  capacity: number;
  meeting_point: ColumnType<string, string | undefined, string>;
  timezone: string;
  /** Minutes the vessel needs between charters; a booking keeps it this long after its end. */
  turnaround_minutes: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

export interface CrewMembersTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  email: string;
  phone: string | null;
  role: 'captain' | 'crew';
  created_at: CreatedAt;
  /** Set when the member was deactivated (migration 0005); null while active. */
  deactivated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface StaffUsersTable {
  id: Generated<string>;
  tenant_id: string;
  name: string;
  email: string;
  role: 'owner' | 'staff';
  created_at: CreatedAt;
  /** Set when the staff user was deactivated (migration 0006); null while active. */
  deactivated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export type BookingStatus = 'hold' | 'confirmed' | 'cancelled' | 'completed';

export interface BookingsTable {
  tenant_id: string;
  id: string;
  status: BookingStatus;
  guest_name: string;
  guest_email: string;
  guest_phone: string | null;
  party_size: number;
  vessel_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  timezone: string;
  pricing_total: Numeric | null;
  currency: string | null;
  captain_fee_per_hour: Numeric | null;
  notes_internal: string | null;
  notes_crew: string | null;
  notes_guest: string | null;
  friendly_slug: string | null;
  version: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  /** The end plus the vessel's turnaround: the vessel is taken over [starts_at, blocked_until). */
  blocked_until: Timestamp;
  /** Set only on bookings that overlapped another before the rule existed (migration 0004). */
  overlap_allowed: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface CrewEventsTable {
  tenant_id: string;
  booking_id: string;
  notes: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type AssignmentStatus = 'invited' | 'accepted' | 'declined';

export interface AssignmentsTable {
  id: Generated<string>;
  tenant_id: string;
  booking_id: string;
  crew_member_id: string;
  role: 'captain' | 'crew';
  status: ColumnType<AssignmentStatus, AssignmentStatus | undefined, AssignmentStatus>;
  decline_reason: string | null;
  /** Bumped by a trigger on every change of status (migration 0003). */
  revision: ColumnType<number, never, never>;
  /** When the member was last invited: set again when one who declined is invited anew. */
  invited_at: ColumnType<Date, Date | string | undefined, Date | string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface CalendarEntriesTable {
  id: Generated<string>;
  tenant_id: string;
  date: string;
  event_type: string;
  booking_id: string | null;
  title: string | null;
  created_at: CreatedAt;
}

export type KeyKind = 'service' | 'dashboard';

export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string;
  kind: KeyKind;
  prefix: string;
  hash: string;
  scopes: string[];
  label: string | null;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export interface IdempotencyRecordsTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  status: number;
  body: Json<unknown>;
  created_at: CreatedAt;
}

export type ActorKind = 'key' | 'staff' | 'crew' | 'system' | 'operator';

export interface AuditLogTable {
  id: Generated<string>;
  tenant_id: string;
  actor_kind: ActorKind;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: Json<unknown> | null;
  after: Json<unknown> | null;
  created_at: CreatedAt;
  /** The writing transaction's id (xid8, as a decimal string): the live cursor's first half (ADR 0019). */
  txid: ColumnType<string, never, never>;
}

export type MagicLinkPurpose = 'assignment' | 'login';

export interface CrewMagicLinksTable {
  id: Generated<string>;
  tenant_id: string;
  crew_member_id: string;
  token_hash: string;
  purpose: MagicLinkPurpose;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface CrewSessionsTable {
  id_hash: string;
  tenant_id: string;
  crew_member_id: string;
  magic_link_id: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
}

export interface StaffMagicLinksTable {
  id: Generated<string>;
  tenant_id: string;
  staff_user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface StaffSessionsTable {
  id_hash: string;
  tenant_id: string;
  staff_user_id: string;
  magic_link_id: string | null;
  expires_at: Timestamp;
  created_at: Timestamp;
}

/** `withdrawn`: queued automatic mail that no longer applied when it was due (its charter cancelled or moved). */
export type OutgoingMailStatus = 'queued' | 'sent' | 'failed' | 'withdrawn';

export interface OutgoingMailTable {
  id: string;
  tenant_id: string;
  kind: string;
  dedupe_key: string;
  recipient: string;
  crew_member_id: string | null;
  booking_id: string | null;
  subject: ColumnType<string, string | undefined, string>;
  message_id: string;
  status: ColumnType<OutgoingMailStatus, OutgoingMailStatus | undefined, OutgoingMailStatus>;
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  magic_link_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: Timestamp | null;
  /** The recipient's display name, for mail queued by a request (mail rendered in a job names them itself). */
  recipient_name: string | null;
  /** What a queued mail says, as its sender wrote it (the outbox renders it when it sends). */
  content: Json<Record<string, unknown>> | null;
  /** A message to many recipients: its rows share this id and one job sends them. */
  batch_id: string | null;
  /** Automatic mail carries `Auto-Submitted: auto-generated`; mail a person wrote does not. */
  automatic: ColumnType<boolean, boolean | undefined, boolean>;
  /** The server's answer to the delivery that succeeded (SMTP: its reply line). */
  response: string | null;
  attempted_at: Timestamp | null;
}

export interface MailTemplatesTable {
  tenant_id: string;
  kind: string;
  subject: string;
  body: string;
  updated_at: Timestamp;
}

export interface ChecklistTicksTable {
  tenant_id: string;
  booking_id: string;
  item: string;
  crew_member_id: string | null;
  ticked_at: Timestamp;
}

export interface CrewCalendarFeedsTable {
  tenant_id: string;
  crew_member_id: string;
  generation: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  reset_at: Timestamp | null;
}

export interface TenantCalendarFeedsTable {
  tenant_id: string;
  generation: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  reset_at: Timestamp | null;
}

export interface GuestPagesTable {
  tenant_id: string;
  booking_id: string;
  site_id: string;
  url: string;
  page_key: string;
  page_hash: string | null;
  calendar_hash: string | null;
  booking_version: number | null;
  published_at: Timestamp | null;
  verified_at: Timestamp | null;
  last_error: string | null;
  last_error_at: Timestamp | null;
  failures: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface FriendlySlugsTable {
  tenant_id: string;
  site_id: string;
  slug: string;
  booking_id: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** A guest domain a site left, until its objects and slugs are removed (pending while `finished_at` is null). */
export interface DomainCleanupsTable {
  id: Generated<string>;
  tenant_id: string;
  site_id: string;
  domain: string;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
  objects_removed: ColumnType<number, number | undefined, number>;
  last_error: string | null;
  last_error_at: Timestamp | null;
  failures: ColumnType<number, number | undefined, number>;
  /** Paths to drop from the edge's caches before the cleanup may finish (migration 0012). */
  paths_to_invalidate: ColumnType<string[], string[] | undefined, string[]>;
}

/** One limit's window of one client address (ADR 0024); not a tenant's data. */
export interface FailureWindowsTable {
  limiter: string;
  address: string;
  window_start: Timestamp;
  window_end: Timestamp;
  count: number;
}

export interface Database {
  tenants: TenantsTable;
  sites: SitesTable;
  vessels: VesselsTable;
  crew_members: CrewMembersTable;
  staff_users: StaffUsersTable;
  bookings: BookingsTable;
  crew_events: CrewEventsTable;
  assignments: AssignmentsTable;
  calendar_entries: CalendarEntriesTable;
  api_keys: ApiKeysTable;
  idempotency_records: IdempotencyRecordsTable;
  audit_log: AuditLogTable;
  guest_pages: GuestPagesTable;
  friendly_slugs: FriendlySlugsTable;
  domain_cleanups: DomainCleanupsTable;
  crew_magic_links: CrewMagicLinksTable;
  crew_sessions: CrewSessionsTable;
  staff_magic_links: StaffMagicLinksTable;
  staff_sessions: StaffSessionsTable;
  outgoing_mail: OutgoingMailTable;
  mail_templates: MailTemplatesTable;
  checklist_ticks: ChecklistTicksTable;
  crew_calendar_feeds: CrewCalendarFeedsTable;
  tenant_calendar_feeds: TenantCalendarFeedsTable;
  failure_windows: FailureWindowsTable;
}
